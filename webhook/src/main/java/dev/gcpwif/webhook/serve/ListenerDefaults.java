package dev.gcpwif.webhook.serve;

import io.javalin.config.JavalinConfig;
import java.time.Duration;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;

/** What every listener of serve shares: the hostile-client limits and a graceful stop. */
final class ListenerDefaults {
  private ListenerDefaults() {}

  static void apply(JavalinConfig config, BufferedBodyHandler bodies, Duration shutdownGrace) {
    config.startup.showJavalinBanner = false;
    config.startup.showOldJavalinVersionWarning = false;
    config.http.prefer405over404 = true;
    config.jetty.modifyServer(server -> {
      // Without these Jetty aborts in-flight requests on stop (verified with Javalin 7.2 / Jetty 12.1).
      server.setStopTimeout(shutdownGrace.toMillis());
      // Bodies are read before the blocking endpoints run, inside the graceful drain.
      server.insertHandler(bodies);
      server.insertHandler(new GracefulHandler());
    });
  }

  static ServerConnector limit(ServerConnector connector, RequestLimits limits, BufferedBodyHandler bodies) {
    // Silence is cut by the idle timeout; slowness (headers or a body trickling in) by the handler's deadlines.
    connector.setIdleTimeout(limits.idleTimeout().toMillis());
    connector.addEventListener(bodies);
    return connector;
  }
}
