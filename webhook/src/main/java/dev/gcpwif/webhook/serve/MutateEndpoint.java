package dev.gcpwif.webhook.serve;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.admission.AdmissionResult;
import dev.gcpwif.webhook.admission.AdmissionReviewParser;
import dev.gcpwif.webhook.admission.MalformedAdmissionReviewException;
import dev.gcpwif.webhook.metrics.AdmissionOutcome;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.serviceaccount.ServiceAccountLookupException;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /mutate}: HTTP around {@link AdmissionHandler}. A client's mistake gets a 4xx with a one-line reason;
 * HTTP 5xx is kept for cases where the webhook cannot decide, so that the webhook configuration's failurePolicy (not
 * this server) chooses between admitting the pod uninjected and refusing it.
 */
final class MutateEndpoint implements Handler {
  private static final Logger LOG = LoggerFactory.getLogger(MutateEndpoint.class);
  /** The body limit, enforced by {@link BufferedBodyHandler} while the body is read, before this endpoint runs. */
  static final int MAX_BODY_BYTES = RequestLimits.MAX_ADMISSION_REVIEW_BYTES;
  /**
   * Review bytes decided at once: one 3 MiB review and any number of ordinary ones beside it. Measured (BENCHMARKS.md,
   * issue 10) to keep the heap of four concurrent 3 MiB reviews within the image's -Xmx.
   */
  static final long IN_FLIGHT_BUDGET_BYTES = 4L * 1024 * 1024;
  /**
   * How long a review waits for room: with the 3 s ServiceAccount lookup deadline it stays under the shipped 5 s
   * admission timeout less the time to decide, so the answer is this webhook's, not the API server's timeout.
   */
  static final java.time.Duration MAX_WAIT = java.time.Duration.ofMillis(1500);

  private final AdmissionReviewParser parser;
  private final AdmissionHandler handler;
  private final KubernetesSerialization serialization;
  private final WebhookMetrics metrics;
  private final AtomicLong rejectedRequests = new AtomicLong();
  private final AtomicLong busyRequests = new AtomicLong();
  private final AdmissionGate gate;

  MutateEndpoint(AdmissionHandler handler, KubernetesSerialization serialization, WebhookMetrics metrics) {
    this(handler, serialization, metrics, new AdmissionGate(IN_FLIGHT_BUDGET_BYTES, MAX_WAIT));
  }

  MutateEndpoint(AdmissionHandler handler, KubernetesSerialization serialization, WebhookMetrics metrics,
      AdmissionGate gate) {
    this.gate = gate;
    this.parser = new AdmissionReviewParser(serialization);
    this.handler = handler;
    this.serialization = serialization;
    this.metrics = metrics;
    metrics.registerCounter("webhook_rejected_requests_total",
        "Requests to /mutate refused before admission (malformed body, wrong Content-Type, too large).",
        rejectedRequests::get);
    metrics.registerCounter("webhook_admission_busy_total",
        "Reviews answered 503 because the admissions in flight held the memory budget past the wait deadline.",
        busyRequests::get);
  }

  @Override
  public void handle(Context ctx) {
    long started = System.nanoTime();
    String contentType = ctx.contentType();
    if (contentType != null && !isJson(contentType)) {
      reject(ctx, 415, "Content-Type must be application/json, got " + contentType);
      return;
    }
    // BufferedBodyHandler, in front of every route, has already read the whole body within its size and time limits:
    // parsed where it lies, not copied into a byte[] and a String besides (three copies of a 3 MiB review).
    ByteBuffer body = BufferedBodyHandler.bufferedBody(ctx.req());
    if (body == null) {
      body = ByteBuffer.allocate(0);
    }

    AdmissionGate.Permit permit;
    try {
      permit = gate.enter(body.remaining());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      plain(ctx, 503, "webhook shutting down");
      return;
    }
    if (permit == null) {
      busyRequests.incrementAndGet();
      String reason = String.format("webhook busy: admission reviews of %,d bytes in flight fill its budget of %,d "
          + "bytes; a review of %,d bytes waited %d ms for room (the failurePolicy decides; retry)",
          gate.inFlightBytes(), gate.budgetBytes(), body.remaining(), gate.maxWait().toMillis());
      LOG.warn("admission outcome=busy from {}: {}", ctx.req().getRemoteAddr(), reason);
      metrics.recordAdmission(AdmissionOutcome.ERROR, "none", false, seconds(started));
      plain(ctx, 503, reason);
      return;
    }
    try (permit) {
      decide(ctx, body, started);
    }
  }

  private void decide(Context ctx, ByteBuffer body, long started) {
    AdmissionReview review;
    try {
      review = parser.parse(body);
    } catch (MalformedAdmissionReviewException e) {
      reject(ctx, 400, e.getMessage());
      return;
    }

    String uid = review.getRequest().getUid();
    boolean dryRun = Boolean.TRUE.equals(review.getRequest().getDryRun());
    AdmissionResult result;
    try {
      result = handler.handle(review);
    } catch (ServiceAccountLookupException e) {
      LOG.warn("admission uid={} outcome=error: {}", uid, e.getMessage());
      metrics.recordAdmission(AdmissionOutcome.ERROR, "none", dryRun, seconds(started));
      plain(ctx, 503, e.getMessage());
      return;
    } catch (RuntimeException e) {
      // A bug. The request content stays out of the log: it can carry secrets in env values.
      LOG.error("admission uid={} outcome=error: internal error", uid, e);
      metrics.recordAdmission(AdmissionOutcome.ERROR, "none", dryRun, seconds(started));
      plain(ctx, 500, "internal error in the webhook; see its log for uid " + uid);
      return;
    }

    double elapsed = seconds(started);
    metrics.recordAdmission(result.outcome(), result.mode(), result.dryRun(), elapsed);
    LOG.info("admission uid={} pod={} serviceAccount={} outcome={} mode={} dryRun={} ({}) {}ms", uid,
        result.subject(), result.serviceAccount(), result.outcome().name().toLowerCase(Locale.ROOT), result.mode(),
        result.dryRun(), result.detail(), Math.round(elapsed * 1000));
    ctx.status(200).contentType("application/json").result(serialization.asJson(result.review()));
  }

  private void reject(Context ctx, int status, String reason) {
    rejectedRequests.incrementAndGet();
    LOG.info("rejected /mutate request from {}: HTTP {} {}", ctx.req().getRemoteAddr(), status, reason);
    plain(ctx, status, reason);
  }

  private static void plain(Context ctx, int status, String message) {
    ctx.status(status).contentType("text/plain; charset=utf-8").result(message + "\n");
  }

  static boolean isJson(String contentType) {
    String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return mediaType.equals("application/json") || mediaType.endsWith("+json");
  }

  private static double seconds(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }
}
