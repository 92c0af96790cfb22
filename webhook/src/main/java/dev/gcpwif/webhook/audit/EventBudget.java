package dev.gcpwif.webhook.audit;

import java.util.function.LongSupplier;

/**
 * How many Events the audit may create: a burst, then a steady rate (a token bucket). A first leader in a cluster of
 * thousands of pods admitted without the webhook would otherwise write thousands of Events at once into the API
 * server and etcd; a finding over budget is reported at a later resync instead (its gauge counts it at once).
 * Used by the audit thread only.
 */
public final class EventBudget {
  /** 100 at once, then one a second: the first pass over a cluster writes at most 100 Events. */
  public static final int DEFAULT_BURST = 100;
  public static final double DEFAULT_PER_SECOND = 1.0;

  private final int burst;
  private final double perNano;
  private final LongSupplier nanoTime;
  private double tokens;
  private long refilledAt;

  public EventBudget(int burst, double perSecond, LongSupplier nanoTime) {
    if (burst < 1 || !(perSecond > 0)) {
      throw new IllegalArgumentException("an Event budget needs a burst of at least 1 and a positive rate, got "
          + burst + " and " + perSecond + "/s");
    }
    this.burst = burst;
    this.perNano = perSecond / 1e9;
    this.nanoTime = nanoTime;
    this.tokens = burst;
    this.refilledAt = nanoTime.getAsLong();
  }

  public static EventBudget defaults() {
    return new EventBudget(DEFAULT_BURST, DEFAULT_PER_SECOND, System::nanoTime);
  }

  /** Takes one Event from the budget if there is one. */
  public boolean tryTake() {
    long now = nanoTime.getAsLong();
    tokens = Math.min(burst, tokens + (now - refilledAt) * perNano);
    refilledAt = now;
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  public int burst() {
    return burst;
  }

  public double perSecond() {
    return perNano * 1e9;
  }
}
