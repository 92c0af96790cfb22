package dev.gcpwif.sidecar.server;

import dev.gcpwif.sidecar.config.ListenAddress;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side: probes and metadata paths on every loopback listener, and optionally the probes alone on a port open
 * on every interface (for the kubelet); a few threads in total.
 */
public final class SidecarServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SidecarServer.class);
  // Clients hit a cached answer in microseconds; a waiting cold-cache request holds a thread for at most the fetch wait.
  private static final int MAX_THREADS = 8;

  private final Javalin app;

  private SidecarServer(Javalin app) {
    this.app = app;
  }

  /** @param healthPort where the probes alone are served on all interfaces; empty: on the loopback listeners only */
  public static SidecarServer start(List<ListenAddress> listeners, OptionalInt healthPort, MetadataHandler metadata,
      TokenService tokens) {
    QueuedThreadPool pool = new QueuedThreadPool(MAX_THREADS, 2, 60_000);
    pool.setName("http");
    pool.setReservedThreads(0);
    Javalin app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.startup.showOldJavalinVersionWarning = false;
      config.router.ignoreTrailingSlashes = false;
      config.router.treatMultipleSlashesAsSingleSlash = false;
      config.http.generateEtags = false;
      config.jetty.threadPool = pool;
      // Jetty aborts in-flight requests on stop unless a GracefulHandler tracks them.
      config.jetty.modifyServer(server -> {
        server.setStopTimeout(3_000);
        server.insertHandler(new GracefulHandler());
        server.insertHandler(new HealthOnlyGate());
      });
      config.jetty.modifyHttpConfiguration(http -> {
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
      });
      for (ListenAddress address : listeners) {
        config.jetty.addConnector((server, http) -> {
          ServerConnector connector = new ServerConnector(server, 0, 1, new HttpConnectionFactory(http));
          connector.setHost(address.host());
          connector.setPort(address.port());
          return connector;
        });
      }
      healthPort.ifPresent(port -> config.jetty.addConnector((server, http) -> {
        ServerConnector connector = new ServerConnector(server, 0, 1, new HttpConnectionFactory(http));
        connector.setName(HealthOnlyGate.CONNECTOR_NAME);
        connector.setHost(null); // the wildcard address: IPv4 and IPv6 pod IPs alike
        connector.setPort(port);
        return connector;
      }));
      config.routes.before(ctx -> ctx.header(MetadataHandler.FLAVOR, "Google"));
      config.routes.before(SidecarServer::rejectForwarded);
      config.routes.get("/healthz", ctx -> MetadataHandler.text(ctx, 200, "ok\n"));
      config.routes.get("/readyz", ctx -> {
        if (tokens.ready()) {
          MetadataHandler.text(ctx, 200, "ok\n");
        } else {
          MetadataHandler.text(ctx, 503, "not ready: " + tokens.notReadyReason() + "\n");
        }
      });
      config.routes.get("/", metadata::handle);
      config.routes.get("/*", metadata::handle);
      config.routes.exception(Exception.class, (e, ctx) -> {
        LOG.error("unexpected failure serving {}: {}", ctx.path(), e.toString());
        MetadataHandler.text(ctx, 500, "internal error\n");
      });
      config.routes.error(404, ctx -> {
        if (ctx.result() == null) {
          MetadataHandler.text(ctx, 404, "Not Found\n");
        }
      });
      config.requestLogger.http((ctx, millis) -> LOG.debug("{} {} -> {} ({} ms)", ctx.method(), ctx.path(),
          ctx.status().getCode(), Math.round(millis)));
    });
    app.start();
    return new SidecarServer(app);
  }

  /** A forwarded request came through a proxy: it must not obtain the pod's identity (same rule as GCE). */
  private static void rejectForwarded(Context ctx) {
    if (ctx.header("X-Forwarded-For") != null) {
      MetadataHandler.text(ctx, 403, "Request forbidden: X-Forwarded-For header present.\n");
      ctx.skipRemainingHandlers();
    }
  }

  /** The metadata listeners' ports, in the order given. */
  public int[] ports() {
    return Arrays.stream(app.jettyServer().server().getConnectors())
        .filter(c -> !HealthOnlyGate.CONNECTOR_NAME.equals(c.getName()))
        .mapToInt(c -> ((ServerConnector) c).getLocalPort())
        .toArray();
  }

  public OptionalInt healthPort() {
    return Arrays.stream(app.jettyServer().server().getConnectors())
        .filter(c -> HealthOnlyGate.CONNECTOR_NAME.equals(c.getName()))
        .mapToInt(c -> ((ServerConnector) c).getLocalPort())
        .findFirst();
  }

  public int port() {
    return ports()[0];
  }

  @Override
  public void close() {
    app.stop();
  }
}
