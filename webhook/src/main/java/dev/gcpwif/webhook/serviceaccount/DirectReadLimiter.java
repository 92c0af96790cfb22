package dev.gcpwif.webhook.serviceaccount;

import java.util.function.LongSupplier;

/**
 * A token bucket for the API reads that cache misses cost: {@code perSecond} tokens a second, at most
 * {@code perSecond} saved up (at least one). Never waits: a lookup without a token is answered at once.
 */
final class DirectReadLimiter {
  private final double perSecond;
  private final double capacity;
  private final LongSupplier nanoClock;
  private double tokens;
  private long lastRefill;

  DirectReadLimiter(double perSecond, LongSupplier nanoClock) {
    if (perSecond < 0 || Double.isNaN(perSecond)) {
      throw new IllegalArgumentException("direct reads per second must be 0 or more, got " + perSecond);
    }
    this.perSecond = perSecond;
    this.capacity = perSecond == 0 ? 0 : Math.max(1, perSecond);
    this.nanoClock = nanoClock;
    this.tokens = capacity;
    this.lastRefill = nanoClock.getAsLong();
  }

  double perSecond() {
    return perSecond;
  }

  synchronized boolean tryAcquire() {
    long now = nanoClock.getAsLong();
    tokens = Math.min(capacity, tokens + (now - lastRefill) / 1e9 * perSecond);
    lastRefill = now;
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }
}
