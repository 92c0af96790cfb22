package dev.gcpwif.sidecar.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.sidecar.token.CachedToken;
import dev.gcpwif.sidecar.token.RefreshPolicy;
import dev.gcpwif.sidecar.token.TokenCache;
import dev.gcpwif.sidecar.token.TokenFetcher;
import dev.gcpwif.sidecar.token.TokenUnavailableException;
import dev.gcpwif.testsupport.MutableClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 24 simulated hours of the token cache with the injectable clock, in 5-second steps: hour-long tokens rotating,
 * the projected token file rotating every hour, STS outages from one minute to five hours. Deterministic (seeded).
 */
class TokenSoakTest {
  private static final long SEED = Long.getLong("fuzz.seed", 20261129L);
  private static final Duration STEP = Duration.ofSeconds(5);
  private static final Duration LIFETIME = Duration.ofHours(1);
  private static final Duration MIN_REMAINING = RefreshPolicy.defaults().minRemaining();
  /** After an outage the cache may still be backing off (at most maxRetry) before it asks again. */
  private static final Duration RECOVERY = RefreshPolicy.defaults().maxRetry().plus(STEP.multipliedBy(2));

  private final MutableClock clock = new MutableClock();
  private final List<CachedToken> issued = new ArrayList<>();
  private boolean stsDown;
  private String tokenFile = "subject-0";

  @Test
  void clientsNeverFailWhileAValidTokenExistsAndRecoverAfterEveryOutage() {
    Random random = new Random(SEED);
    TokenFetcher<String> fetcher = scopes -> {
      String subject = tokenFile; // read the file at each exchange, as the sidecar does
      if (stsDown) {
        throw new IOException("STS unavailable (simulated outage)");
      }
      CachedToken token = new CachedToken("ya29.soak-" + issued.size() + "-" + subject, clock.instant().plus(LIFETIME));
      issued.add(token);
      return token;
    };
    TokenCache<String> cache = new TokenCache<>("access token", fetcher, Throwable::getMessage, clock, Runnable::run,
        RefreshPolicy.defaults(), 3);
    List<Duration> outageLengths = new ArrayList<>(List.of(Duration.ofMinutes(1), Duration.ofMinutes(10),
        Duration.ofMinutes(30), Duration.ofMinutes(50), Duration.ofHours(2), Duration.ofHours(5)));
    java.util.Collections.shuffle(outageLengths, random);
    Instant start = clock.instant();
    Instant end = start.plus(Duration.ofHours(24));
    Instant nextOutage = start.plus(Duration.ofMinutes(30 + random.nextInt(60)));
    Instant outageEnds = null;
    Instant recoverBy = null;
    int requests = 0;
    int served = 0;
    int unavailable = 0;
    int outages = 0;
    List<String> failures = new ArrayList<>();
    cache.keepFresh("default");
    for (Instant now = start; now.isBefore(end); now = clock.instant()) {
      if (!stsDown && !outageLengths.isEmpty() && !now.isBefore(nextOutage)) {
        stsDown = true;
        outageEnds = now.plus(outageLengths.remove(0));
        outages++;
      } else if (stsDown && !now.isBefore(outageEnds)) {
        stsDown = false;
        recoverBy = now.plus(RECOVERY);
        nextOutage = now.plus(Duration.ofMinutes(60 + random.nextInt(120)));
      }
      if (now.getEpochSecond() % 3600 < STEP.getSeconds()) {
        tokenFile = "subject-" + (now.getEpochSecond() / 3600);
      }
      cache.refreshDue();
      for (int i = random.nextInt(3); i > 0; i--) {
        requests++;
        Instant at = now;
        boolean validExists = issued.stream().anyMatch(t -> at.plus(MIN_REMAINING).isBefore(t.expiresAt()));
        try {
          CachedToken token = cache.get("default", Duration.ofSeconds(1));
          served++;
          if (!now.plus(MIN_REMAINING).isBefore(token.expiresAt())) {
            failures.add(now + ": served a token with less than " + MIN_REMAINING + " left: " + token);
          }
        } catch (TokenUnavailableException e) {
          unavailable++;
          if (validExists) {
            failures.add(now + ": 503 while a valid token existed: " + e.getMessage());
          }
          if (!stsDown && recoverBy != null && now.isAfter(recoverBy)) {
            failures.add(now + ": not recovered " + RECOVERY + " after the outage ended: " + e.getMessage());
          }
        }
      }
      clock.advance(STEP);
    }
    System.out.printf("TokenSoakTest seed=%d: 24h in %ss steps, %d outages, %d client requests, %d served, %d "
        + "unavailable (no valid token), %d tokens issued; failures=%d%n", SEED, STEP.getSeconds(), outages, requests,
        served, unavailable, issued.size(), failures.size());
    assertThat(failures).as("soak failures").isEmpty();
    assertThat(outages).isEqualTo(6);
    // The long outages outlive the token: the soak must have seen 503s, and many more successes.
    assertThat(unavailable).isPositive();
    assertThat(served).isGreaterThan(requests * 3 / 4);
    assertThat(issued.size()).as("renewals (about every 45 min outside outages)").isGreaterThan(15);
    assertThat(issued.stream().map(t -> t.value().substring(t.value().lastIndexOf('-') + 1)).distinct().count())
        .as("token file rotations seen by exchanges").isGreaterThan(10);
  }
}
