package dev.gcpwif.webhook.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EventBudgetTest {
  private final AtomicLong nanos = new AtomicLong(123_456_789L);
  private final EventBudget budget = new EventBudget(3, 2.0, nanos::get);

  private int takeAll() {
    int taken = 0;
    while (budget.tryTake()) {
      taken++;
    }
    return taken;
  }

  @Test
  void theBurstIsAvailableAtOnceThenNothingUntilTimePasses() {
    assertThat(takeAll()).isEqualTo(3);
    assertThat(budget.tryTake()).isFalse();
  }

  @Test
  void theBudgetRefillsAtItsRate() {
    takeAll();

    nanos.addAndGet(Duration.ofMillis(499).toNanos());
    assertThat(budget.tryTake()).as("not yet one token at 2/s").isFalse();
    nanos.addAndGet(Duration.ofMillis(1).toNanos());
    assertThat(budget.tryTake()).isTrue();
    assertThat(budget.tryTake()).isFalse();
  }

  @Test
  void anIdleBudgetNeverHoldsMoreThanItsBurst() {
    takeAll();

    nanos.addAndGet(Duration.ofHours(1).toNanos());

    assertThat(takeAll()).isEqualTo(3);
  }

  @Test
  void aBudgetThatCouldNeverAllowAnEventIsRefused() {
    assertThatThrownBy(() -> new EventBudget(0, 1.0, nanos::get)).hasMessageContaining("burst of at least 1");
    assertThatThrownBy(() -> new EventBudget(1, 0, nanos::get)).hasMessageContaining("positive rate");
  }
}
