package dev.gcpwif.webhook.serve;

import static dev.gcpwif.cli.Throwables.rootMessage;

import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import java.time.Duration;
import java.util.function.Consumer;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * One plain-HTTP listener of the Go webhook's ({@code --metrics-bind-address}, {@code --health-probe-bind-address}),
 * serving only the routes given. Its own Jetty server and small thread pool: whatever a client does to it cannot take
 * a thread from the HTTPS admission path, and it gets the same request limits as HTTPS.
 */
final class PlainListener implements AutoCloseable {
  /**
   * Enough for a scraper and two probes at once plus Jetty's acceptor and selector; headers and bodies are read
   * without a thread (BufferedBodyHandler), so slow clients do not need more.
   */
  private static final int MAX_THREADS = 8;
  /** No genuine request here has a body; a bigger one is refused with 413 before it is buffered. */
  static final int MAX_BODY_BYTES = 16 * 1024;

  private final String purpose;
  private final GoBindAddress address;
  private final Javalin app;
  private volatile int boundPort = -1;

  PlainListener(String purpose, GoBindAddress address, RequestLimits limits, Duration shutdownGrace,
      Consumer<RoutesConfig> routes) {
    this.purpose = purpose;
    this.address = address;
    RequestLimits small = new RequestLimits(limits.readTimeout(), limits.idleTimeout(),
        limits.minBodyBytesPerSecond(), MAX_BODY_BYTES);
    BufferedBodyHandler bodies = new BufferedBodyHandler(small);
    this.app = Javalin.create(config -> {
      ListenerDefaults.apply(config, bodies, shutdownGrace);
      QueuedThreadPool pool = new QueuedThreadPool(MAX_THREADS, 2);
      pool.setName(purpose.replace(' ', '-') + "-http");
      config.jetty.threadPool = pool;
      config.jetty.addConnector((server, httpConfig) -> {
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
        connector.setHost(address.host());
        connector.setPort(address.port());
        return ListenerDefaults.limit(connector, small, bodies);
      });
      routes.accept(config.routes);
    });
  }

  void start() {
    try {
      app.start();
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot listen on " + address.display(address.port()) + " for " + purpose + ": "
          + rootMessage(e), e);
    }
    boundPort = app.port();
  }

  String purpose() {
    return purpose;
  }

  /** The port bound at start (the one asked for, or the one picked for 0). */
  int port() {
    return boundPort;
  }

  /** Where it listens, as http://HOST:PORT with the port it bound. */
  String url() {
    return "http://" + address.display(port());
  }

  @Override
  public void close() {
    app.stop();
  }
}
