package dev.gcpwif.webhook.serve;

import dev.gcpwif.webhook.cli.DurationConverter;
import java.time.Duration;

/**
 * How long and how slowly a client may take to send a request, and how large its body may be.
 *
 * @param readTimeout from the connection's accept to the end of its first request's headers, and from a request's
 *     headers to the end of its body; the API server gives up after the webhook's {@code timeoutSeconds} anyway
 * @param idleTimeout how long a connection may stay silent (between keep-alive requests, or mid-request)
 * @param minBodyBytesPerSecond a body arriving slower than this, measured from its headers after the first second,
 *     is cut at once instead of at the read timeout
 * @param maxBodyBytes larger bodies are refused with 413 before any is buffered beyond the limit
 */
public record RequestLimits(Duration readTimeout, Duration idleTimeout, long minBodyBytesPerSecond, int maxBodyBytes) {
  /** kube-apiserver refuses request bodies over 3 MiB, so no genuine review is larger. */
  public static final int MAX_ADMISSION_REVIEW_BYTES = 3 * 1024 * 1024;

  /**
   * 10 s to read a request (twice the shipped admission timeout of 5 s, a third of the API server's 30 s maximum);
   * 30 s idle (the API server reuses its connections); 1 KiB/s: a 3 MiB review from the API server arrives in
   * milliseconds, a client below this rate is sending a few bytes at a time on purpose.
   */
  public static final RequestLimits DEFAULTS =
      new RequestLimits(Duration.ofSeconds(10), Duration.ofSeconds(30), 1024, MAX_ADMISSION_REVIEW_BYTES);

  public RequestLimits {
    if (readTimeout.isZero() || readTimeout.isNegative() || idleTimeout.isZero() || idleTimeout.isNegative()) {
      throw new IllegalArgumentException("--request-read-timeout and --idle-timeout must be positive, got "
          + DurationConverter.text(readTimeout) + " and " + DurationConverter.text(idleTimeout));
    }
  }

  public RequestLimits withTimeouts(Duration read, Duration idle) {
    return new RequestLimits(read, idle, minBodyBytesPerSecond, maxBodyBytes);
  }
}
