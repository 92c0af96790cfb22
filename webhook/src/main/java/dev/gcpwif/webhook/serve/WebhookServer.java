package dev.gcpwif.webhook.serve;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.tls.ReloadingServerTls;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.RoutesConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;

/**
 * The HTTPS listener: {@code POST /mutate}, {@code GET /healthz}, {@code GET /readyz}, {@code GET /metrics}.
 *
 * <p>Everything is on the one HTTPS port: the API server needs TLS anyway, kubelet probes work with
 * {@code scheme: HTTPS} without certificate checks, and Prometheus scrapes HTTPS with the same CA bundle. The Go
 * webhook's plain metrics and health listeners exist only when asked for ({@link #plainListeners}), for its chart.
 */
public final class WebhookServer implements AutoCloseable {
  private final Javalin app;
  private final StatusEndpoints status;
  private final RequestLimits limits;
  private final Duration shutdownGrace;

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
    this.status = new StatusEndpoints(ready, metrics);
    this.limits = limits;
    this.shutdownGrace = shutdownGrace;
    BufferedBodyHandler bodies = new BufferedBodyHandler(limits);
    registerRequestMetrics(metrics, bodies);
    KubernetesSerialization serialization = new KubernetesSerialization();
    MutateEndpoint mutate = new MutateEndpoint(admissions, serialization, metrics);
    registerTlsMetrics(metrics, tls);
    this.app = Javalin.create(config -> {
      ListenerDefaults.apply(config, bodies, shutdownGrace);
      // The API server's Go client asks for gzip; compressing an answer of 5 to 30 KB costs the webhook more CPU than
      // encrypting the bytes it saves (BENCHMARKS.md, issue 14, fourth pass), and the API server must inflate it. The
      // Go webhook's net/http never compressed either.
      config.http.compressionStrategy = CompressionStrategy.NONE;
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
        return ListenerDefaults.limit(connector, limits, bodies);
      });
      config.routes.post("/mutate", mutate);
      // The Go webhook's path (controller-runtime's /mutate-<version>-<kind>): its MutatingWebhookConfiguration keeps
      // working when only the Deployment is swapped.
      config.routes.post("/mutate-v1-pod", mutate);
      status.addHealthRoutes(config.routes);
      status.addMetricsRoute(config.routes);
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
    status.markStopping();
  }

  /**
   * The Go webhook's plain-HTTP metrics and health listeners (either may be absent), answering as this server's
   * {@code /metrics}, {@code /healthz} and {@code /readyz} do, under the same request limits. Not started yet.
   */
  public PlainListeners plainListeners(Optional<GoBindAddress> metrics, Optional<GoBindAddress> health) {
    return new PlainListeners(metrics, health, status, limits, shutdownGrace);
  }

  /** Stops accepting connections and waits up to the shutdown grace for in-flight admissions. */
  @Override
  public void close() {
    markStopping();
    app.stop();
  }
}
