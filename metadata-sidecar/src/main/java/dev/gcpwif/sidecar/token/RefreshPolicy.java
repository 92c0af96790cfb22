package dev.gcpwif.sidecar.token;

import java.time.Duration;
import java.time.Instant;

/**
 * When a cached token is still served and when it is renewed.
 *
 * <p>Clients treat a token as stale a few minutes before it expires (google-auth Python and Java: 3m45s, gcloud:
 * 5 min), so the sidecar renews well before that: at the latest {@code maxRefreshAhead} before expiry, or half-way
 * through the lifetime of short-lived tokens. A token is served until {@code minRemaining} before it expires, which
 * is what keeps clients working through an outage of Google's endpoints.
 */
public record RefreshPolicy(Duration maxRefreshAhead, Duration minRemaining, Duration firstRetry, Duration maxRetry) {

  public static RefreshPolicy defaults() {
    return new RefreshPolicy(Duration.ofMinutes(15), Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(30));
  }

  boolean usable(CachedToken token, Instant now) {
    return token != null && now.plus(minRemaining).isBefore(token.expiresAt());
  }

  boolean refreshDue(CachedToken token, Instant fetchedAt, Instant now) {
    if (token == null) {
      return true;
    }
    Duration lifetime = Duration.between(fetchedAt, token.expiresAt());
    Duration ahead = lifetime.dividedBy(2).compareTo(maxRefreshAhead) < 0 ? lifetime.dividedBy(2) : maxRefreshAhead;
    return !now.isBefore(token.expiresAt().minus(ahead));
  }

  Duration retryDelay(int consecutiveFailures) {
    long factor = 1L << Math.min(consecutiveFailures - 1, 10);
    Duration delay = firstRetry.multipliedBy(factor);
    return delay.compareTo(maxRetry) > 0 ? maxRetry : delay;
  }
}
