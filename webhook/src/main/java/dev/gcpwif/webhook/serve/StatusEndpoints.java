package dev.gcpwif.webhook.serve;

import dev.gcpwif.webhook.metrics.WebhookMetrics;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.function.BooleanSupplier;

/**
 * {@code /healthz}, {@code /readyz} and {@code /metrics}: one instance serves the HTTPS port and the plain listeners,
 * so that they always give the same answers (readiness off while the cache syncs and from the start of a shutdown).
 */
final class StatusEndpoints {
  private final BooleanSupplier ready;
  private final WebhookMetrics metrics;
  private volatile boolean stopping;

  StatusEndpoints(BooleanSupplier ready, WebhookMetrics metrics) {
    this.ready = ready;
    this.metrics = metrics;
  }

  void addHealthRoutes(RoutesConfig routes) {
    routes.get("/healthz", this::healthz);
    routes.get("/readyz", this::readyz);
  }

  void addMetricsRoute(RoutesConfig routes) {
    routes.get("/metrics", this::metrics);
  }

  void markStopping() {
    stopping = true;
  }

  private void healthz(Context ctx) {
    ctx.contentType("text/plain").result("ok\n");
  }

  private void readyz(Context ctx) {
    if (stopping) {
      ctx.status(503).contentType("text/plain").result("shutting down\n");
    } else if (!ready.getAsBoolean()) {
      ctx.status(503).contentType("text/plain").result("ServiceAccount cache not synced yet\n");
    } else {
      ctx.contentType("text/plain").result("ok\n");
    }
  }

  private void metrics(Context ctx) {
    ctx.contentType(WebhookMetrics.CONTENT_TYPE).result(metrics.render());
  }
}
