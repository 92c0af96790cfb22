package dev.gcpwif.webhook.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdmissionGateTest {
  private static final long MIB = 1024 * 1024;

  @Test
  void aSecondLargeReviewWaitsForTheFirstAndSmallOnesPassBesideIt() throws Exception {
    AdmissionGate gate = new AdmissionGate(4 * MIB, Duration.ofSeconds(10));
    AdmissionGate.Permit first = gate.enter(3 * MIB);
    CompletableFuture<AdmissionGate.Permit> second = CompletableFuture.supplyAsync(() -> enter(gate, 3 * MIB));
    while (gate.waiting() == 0) {
      Thread.sleep(5);
    }

    // A small review is let in at once although a large one is waiting before it.
    long started = System.nanoTime();
    try (AdmissionGate.Permit small = gate.enter(20_000)) {
      assertThat(small).isNotNull();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
    assertThat(second).isNotDone();

    first.close();
    AdmissionGate.Permit secondPermit = second.get(5, TimeUnit.SECONDS);
    assertThat(secondPermit).isNotNull();
    assertThat(gate.inFlightBytes()).isEqualTo(3 * MIB);
    secondPermit.close();
    assertThat(gate.inFlightBytes()).isZero();
  }

  @Test
  void aWaiterGivesUpAtTheDeadline() throws Exception {
    AdmissionGate gate = new AdmissionGate(4 * MIB, Duration.ofMillis(200));
    try (AdmissionGate.Permit first = gate.enter(3 * MIB)) {
      long started = System.nanoTime();
      assertThat(gate.enter(3 * MIB)).isNull();
      Duration waited = Duration.ofNanos(System.nanoTime() - started);
      assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(190)).isLessThan(Duration.ofSeconds(5));
      assertThat(gate.waiting()).isZero();
    }
  }

  @Test
  void aReviewLargerThanTheBudgetRunsAloneInsteadOfNever() throws Exception {
    AdmissionGate gate = new AdmissionGate(MIB, Duration.ofMillis(100));
    try (AdmissionGate.Permit huge = gate.enter(3 * MIB)) {
      assertThat(huge).isNotNull();
      assertThat(gate.enter(1)).isNull();
    }
    assertThat(gate.inFlightBytes()).isZero();
  }

  private static AdmissionGate.Permit enter(AdmissionGate gate, long bytes) {
    try {
      return gate.enter(bytes);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
