package dev.gcpwif.webhook.serve;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.tls.ReloadingServerTls;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;

/**
 * The HTTPS listener: {@code POST /mutate}, {@code GET /healthz}, {@code GET /readyz}, {@code GET /metrics}.
 *
 * <p>Everything is on the one HTTPS port: the API server needs TLS anyway, kubelet probes work with
 * {@code scheme: HTTPS} without certificate checks, and Prometheus scrapes HTTPS with the same CA bundle. A second,
 * plaintext port would be one more listener to secure for no gain.
 */
public final class WebhookServer implements AutoCloseable {
  private final Javalin app;
  private final BooleanSupplier ready;
  private volatile boolean stopping;

  public WebhookServer(String host, int port, ReloadingServerTls tls, AdmissionHandler admissions, BooleanSupplier ready,
      WebhookMetrics metrics, Duration shutdownGrace) {
    this(host, port, tls, admissions, ready, metrics, shutdownGrace, RequestLimits.DEFAULTS, routes -> {});
  }

  public WebhookServer(String host, int port, ReloadingServerTls tls, AdmissionHandler admissions, BooleanSupplier ready,
      WebhookMetrics metrics, Duration shutdownGrace, RequestLimits limits) {
    this(host, port, tls, admissions, ready, metrics, shutdownGrace, limits, routes -> {});
  }

  /**
   * With {@code extraRoutes} registered next to the webhook's own: the benchmark adds a fixed-answer endpoint, so
   * that its baseline runs through the same Jetty, TLS and Javalin as {@code /mutate}.
   */
  public WebhookServer(String host, int port, ReloadingServerTls tls, AdmissionHandler admissions, BooleanSupplier ready,
      WebhookMetrics metrics, Duration shutdownGrace, Consumer<RoutesConfig> extraRoutes) {
    this(host, port, tls, admissions, ready, metrics, shutdownGrace, RequestLimits.DEFAULTS, extraRoutes);
  }

  public WebhookServer(String host, int port, ReloadingServerTls tls, AdmissionHandler admissions, BooleanSupplier ready,
      WebhookMetrics metrics, Duration shutdownGrace, RequestLimits limits, Consumer<RoutesConfig> extraRoutes) {
    this.ready = ready;
    BufferedBodyHandler bodies = new BufferedBodyHandler(limits);
    registerRequestMetrics(metrics, bodies);
    KubernetesSerialization serialization = new KubernetesSerialization();
    MutateEndpoint mutate = new MutateEndpoint(admissions, serialization, metrics);
    registerTlsMetrics(metrics, tls);
    this.app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.startup.showOldJavalinVersionWarning = false;
      config.http.prefer405over404 = true;
      config.jetty.addConnector((server, httpConfig) -> {
        HttpConfiguration https = new HttpConfiguration(httpConfig);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // The API server reaches the webhook through a Service name, kubelet probes through the pod IP: the client
        // checks the certificate, the server need not insist the SNI name is in it.
        secure.setSniHostCheck(false);
        https.addCustomizer(secure);
        ServerConnector connector = new ServerConnector(server,
            new SslConnectionFactory(tls.sslContextFactory(), "http/1.1"), new HttpConnectionFactory(https));
        connector.setHost(host);
        connector.setPort(port);
        // Silence is cut by the idle timeout; slowness (headers or a body trickling in) by the handler's deadlines.
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        connector.addEventListener(bodies);
        return connector;
      });
      config.jetty.modifyServer(server -> {
        // Without these Jetty aborts in-flight requests on stop (verified with Javalin 7.2 / Jetty 12.1).
        server.setStopTimeout(shutdownGrace.toMillis());
        // Bodies are read before the blocking endpoints run, inside the graceful drain.
        server.insertHandler(bodies);
        server.insertHandler(new GracefulHandler());
      });
      config.routes.post("/mutate", mutate);
      // The Go webhook's path (controller-runtime's /mutate-<version>-<kind>): its MutatingWebhookConfiguration keeps
      // working when only the Deployment is swapped.
      config.routes.post("/mutate-v1-pod", mutate);
      config.routes.get("/healthz", ctx -> ctx.contentType("text/plain").result("ok\n"));
      config.routes.get("/readyz", ctx -> {
        if (stopping) {
          ctx.status(503).contentType("text/plain").result("shutting down\n");
        } else if (!ready.getAsBoolean()) {
          ctx.status(503).contentType("text/plain").result("ServiceAccount cache not synced yet\n");
        } else {
          ctx.contentType("text/plain").result("ok\n");
        }
      });
      config.routes.get("/metrics", ctx -> ctx.contentType(WebhookMetrics.CONTENT_TYPE).result(metrics.render()));
      extraRoutes.accept(config.routes);
    });
  }

  private static void registerRequestMetrics(WebhookMetrics metrics, BufferedBodyHandler bodies) {
    metrics.registerCounter("webhook_request_body_too_large_total",
        "Requests refused with 413 because their body exceeded the limit.", bodies::tooLarge);
    metrics.registerCounter("webhook_request_body_too_slow_total",
        "Requests cut with 408 because their body arrived too slowly or not within the read timeout.", bodies::tooSlow);
    metrics.registerCounter("webhook_connections_without_request_total",
        "Connections closed because no request headers arrived within the read timeout.",
        bodies::unansweredConnections);
  }

  private static void registerTlsMetrics(WebhookMetrics metrics, ReloadingServerTls tls) {
    metrics.registerCounter("webhook_tls_certificate_reloads_total",
        "Serving certificate pairs loaded after startup.", tls::reloads);
    metrics.registerCounter("webhook_tls_certificate_reload_failures_total",
        "Changed certificate or key files that could not be loaded (the previous pair kept serving).",
        tls::failedReloads);
    metrics.registerGauge("webhook_tls_certificate_expiry_timestamp_seconds",
        "notAfter of the serving certificate, Unix seconds.", () -> tls.currentNotAfter().getEpochSecond());
  }

  public WebhookServer start() {
    app.start();
    return this;
  }

  /** The bound port (useful when started on port 0). */
  public int port() {
    return app.port();
  }

  /** Readiness turns false at once so that endpoints stop routing here, while requests are still served. */
  public void markStopping() {
    stopping = true;
  }

  /** Stops accepting connections and waits up to the shutdown grace for in-flight admissions. */
  @Override
  public void close() {
    markStopping();
    app.stop();
  }
}
