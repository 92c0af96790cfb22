package dev.gcpwif.webhook.serviceaccount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DirectReadLimiterTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void aFullBucketAllowsABurstThenRefillsAtTheRate() {
    DirectReadLimiter limiter = new DirectReadLimiter(10, now::get);
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.tryAcquire()).as("burst read " + i).isTrue();
    }
    assertThat(limiter.tryAcquire()).isFalse();

    now.addAndGet(250_000_000L); // a quarter of a second: 2.5 tokens
    assertThat(limiter.tryAcquire()).isTrue();
    assertThat(limiter.tryAcquire()).isTrue();
    assertThat(limiter.tryAcquire()).isFalse();

    now.addAndGet(60_000_000_000L); // idle for a minute: still only a burst of 10
    int allowed = 0;
    while (limiter.tryAcquire()) {
      allowed++;
    }
    assertThat(allowed).isEqualTo(10);
  }

  @Test
  void zeroDisablesDirectReadsAndFractionsStillAllowOne() {
    assertThat(new DirectReadLimiter(0, now::get).tryAcquire()).isFalse();
    DirectReadLimiter slow = new DirectReadLimiter(0.5, now::get);
    assertThat(slow.tryAcquire()).isTrue();
    assertThat(slow.tryAcquire()).isFalse();
    now.addAndGet(2_000_000_000L);
    assertThat(slow.tryAcquire()).isTrue();
  }

  @Test
  void negativeRatesAreRefused() {
    assertThatThrownBy(() -> new DirectReadLimiter(-1, now::get)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("direct reads per second must be 0 or more, got -1.0");
  }
}
