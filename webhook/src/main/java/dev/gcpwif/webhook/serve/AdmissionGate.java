package dev.gcpwif.webhook.serve;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the admission work in flight by the size of the reviews being decided: parsing, mutating and diffing a pod
 * costs heap in proportion to its JSON, so a budget of body bytes bounds the heap all admissions in flight can take,
 * whatever an attacker sends at once. A 3 MiB review takes most of the budget and waits until the others before it
 * are done; small reviews fit beside it and never wait behind a waiting large one (a waiter is let in whenever its
 * own weight fits, not in arrival order). A review larger than the budget runs alone. Nobody waits past the deadline:
 * the caller then answers that the webhook is busy.
 */
final class AdmissionGate {
  private final long budgetBytes;
  private final Duration maxWait;
  private long inFlightBytes;
  private long waiting;

  AdmissionGate(long budgetBytes, Duration maxWait) {
    if (budgetBytes <= 0 || maxWait.isNegative()) {
      throw new IllegalArgumentException("admission budget must be positive and the wait not negative");
    }
    this.budgetBytes = budgetBytes;
    this.maxWait = maxWait;
  }

  /** Held while one review is decided; closing it lets the next in. */
  interface Permit extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Waits until {@code bodyBytes} fit in the budget, at most the deadline.
   *
   * @return the permit, or null when the deadline passed first
   */
  Permit enter(long bodyBytes) throws InterruptedException {
    long weight = Math.max(1, Math.min(bodyBytes, budgetBytes));
    long deadline = System.nanoTime() + maxWait.toNanos();
    synchronized (this) {
      waiting++;
      try {
        while (inFlightBytes + weight > budgetBytes) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return null;
          }
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        inFlightBytes += weight;
      } finally {
        waiting--;
      }
    }
    return () -> leave(weight);
  }

  private synchronized void leave(long weight) {
    inFlightBytes -= weight;
    notifyAll();
  }

  synchronized long inFlightBytes() {
    return inFlightBytes;
  }

  synchronized long waiting() {
    return waiting;
  }

  long budgetBytes() {
    return budgetBytes;
  }

  Duration maxWait() {
    return maxWait;
  }
}
