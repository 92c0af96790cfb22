package dev.gcpwif.sidecar.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.testsupport.MutableClock;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TokenCacheTest {
  private static final Duration WAIT = Duration.ofSeconds(2);
  private final MutableClock clock = new MutableClock();
  private final AtomicInteger fetches = new AtomicInteger();
  private final AtomicReference<String> failWith = new AtomicReference<>();
  private final Executor direct = Runnable::run;

  private TokenCache<String> cache(Executor executor, Duration lifetime) {
    TokenFetcher<String> fetcher = key -> {
      fetches.incrementAndGet();
      if (failWith.get() != null) {
        throw new IOException(failWith.get());
      }
      return new CachedToken(key + "-" + fetches.get(), clock.instant().plus(lifetime));
    };
    return new TokenCache<>("access token", fetcher, Throwable::getMessage, clock, executor, RefreshPolicy.defaults(), 3);
  }

  @Test
  void servesTheCachedTokenWithoutFetchingAgain() throws Exception {
    TokenCache<String> cache = cache(direct, Duration.ofHours(1));
    assertThat(cache.get("k", WAIT).value()).isEqualTo("k-1");
    clock.advance(Duration.ofMinutes(40));
    assertThat(cache.get("k", WAIT).value()).isEqualTo("k-1");
    assertThat(fetches).hasValue(1);
  }

  @Test
  void renewsFifteenMinutesBeforeExpiryOfAnHourLongToken() throws Exception {
    TokenCache<String> cache = cache(direct, Duration.ofHours(1));
    cache.get("k", WAIT);
    clock.advance(Duration.ofMinutes(44));
    cache.refreshDue();
    assertThat(fetches).hasValue(1);
    clock.advance(Duration.ofMinutes(2));
    cache.refreshDue();
    assertThat(fetches).hasValue(2);
    assertThat(cache.get("k", WAIT).value()).isEqualTo("k-2");
  }

  @Test
  void renewsShortLivedTokensHalfWayThroughTheirLifetime() throws Exception {
    TokenCache<String> cache = cache(direct, Duration.ofMinutes(10));
    cache.get("k", WAIT);
    clock.advance(Duration.ofMinutes(4));
    cache.refreshDue();
    assertThat(fetches).hasValue(1);
    clock.advance(Duration.ofMinutes(1));
    cache.refreshDue();
    assertThat(fetches).hasValue(2);
  }

  @Test
  void stopsRenewingKeysNobodyAskedForInOverAnHourButKeepsPinnedOnesFresh() throws Exception {
    TokenCache<String> cache = cache(direct, Duration.ofHours(1));
    cache.get("idle", WAIT);
    cache.keepFresh("pinned");
    clock.advance(Duration.ofMinutes(70));
    cache.refreshDue();
    assertThat(fetches).as("only the pinned key is fetched again").hasValue(3);
    assertThat(cache.hasUsable("pinned")).isTrue();
    assertThat(cache.hasUsable("idle")).isFalse();
    assertThat(cache.size()).as("the idle key is dropped").isEqualTo(1);
  }

  @Test
  void failureWithoutACachedTokenIsReportedAndRetriedOnlyAfterBackoff() throws Exception {
    TokenCache<String> cache = cache(direct, Duration.ofHours(1));
    failWith.set("sts.googleapis.com answered HTTP 500");
    assertThatThrownBy(() -> cache.get("k", WAIT)).isInstanceOf(TokenUnavailableException.class)
        .hasMessage("access token unavailable: sts.googleapis.com answered HTTP 500");
    assertThatThrownBy(() -> cache.get("k", WAIT)).hasMessageContaining("HTTP 500");
    assertThat(fetches).hasValue(1);
    assertThat(cache.lastFailure("k")).hasValue("access token unavailable: sts.googleapis.com answered HTTP 500");

    failWith.set(null);
    clock.advance(Duration.ofSeconds(2));
    assertThat(cache.get("k", WAIT).value()).isEqualTo("k-2");
    assertThat(cache.lastFailure("k")).isEmpty();
  }

  @Test
  void backoffDoublesUpToThirtySeconds() {
    RefreshPolicy policy = RefreshPolicy.defaults();
    assertThat(policy.retryDelay(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(policy.retryDelay(3)).isEqualTo(Duration.ofSeconds(4));
    assertThat(policy.retryDelay(40)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void stopsServingATokenAMinuteBeforeItExpires() throws Exception {
    TokenCache<String> cache = cache(direct, Duration.ofHours(1));
    cache.get("k", WAIT);
    failWith.set("down");
    clock.advance(Duration.ofMinutes(58).plusSeconds(30));
    assertThat(cache.get("k", WAIT).value()).isEqualTo("k-1");
    clock.advance(Duration.ofSeconds(40));
    assertThatThrownBy(() -> cache.get("k", WAIT)).hasMessageContaining("down");
  }

  @Test
  void limitsTheNumberOfDistinctKeys() throws Exception {
    TokenCache<String> cache = cache(direct, Duration.ofHours(1));
    cache.get("a", WAIT);
    cache.get("b", WAIT);
    cache.get("c", WAIT);
    assertThatThrownBy(() -> cache.get("d", WAIT)).hasMessageContaining("too many distinct access token requests");
    clock.advance(Duration.ofHours(2));
    assertThat(cache.get("d", WAIT).value()).startsWith("d-");
  }

  @Test
  void aClientWaitingLongerThanAllowedGetsARetryableAnswer() {
    TokenCache<String> cache = cache(runnable -> { /* never runs: Google never answers */ }, Duration.ofHours(1));
    assertThatThrownBy(() -> cache.get("k", Duration.ofMillis(50)))
        .hasMessageContaining("still waiting for Google to issue the access token");
  }

  @Test
  void waitersShareOneFetchAndOneWaitersTimeoutLeavesItRunningForTheOthers() throws Exception {
    AtomicReference<Runnable> held = new AtomicReference<>();
    TokenCache<String> cache = cache(held::set, Duration.ofHours(1));
    CompletableFuture<CachedToken> patient = cache.request("k", Duration.ofSeconds(30));
    CompletableFuture<CachedToken> hasty = cache.request("k", Duration.ofMillis(50));
    assertThat(patient).isNotDone();

    assertThatThrownBy(hasty::join).hasCauseInstanceOf(TokenUnavailableException.class)
        .hasMessageContaining("still waiting for Google to issue the access token");
    assertThat(patient).isNotDone();
    held.get().run();

    assertThat(patient.get(5, TimeUnit.SECONDS).value()).isEqualTo("k-1");
    assertThat(cache.request("k", WAIT).get(5, TimeUnit.SECONDS).value()).isEqualTo("k-1");
    assertThat(fetches).hasValue(1);
  }

  @Test
  void aFailedFetchFailsEveryWaiterWithItsReason() {
    AtomicReference<Runnable> held = new AtomicReference<>();
    TokenCache<String> cache = cache(held::set, Duration.ofHours(1));
    CompletableFuture<CachedToken> first = cache.request("k", WAIT);
    CompletableFuture<CachedToken> second = cache.request("k", WAIT);
    failWith.set("HTTP 500 from STS");
    held.get().run();

    for (CompletableFuture<CachedToken> waiter : java.util.List.of(first, second)) {
      assertThatThrownBy(waiter::join).hasCauseInstanceOf(TokenUnavailableException.class)
          .hasMessageContaining("HTTP 500 from STS");
    }
    assertThat(fetches).hasValue(1);
  }
}
