package dev.gcpwif.sidecar.token;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tokens per key (a scope set, an audience), fetched at most once at a time per key however many clients wait,
 * renewed ahead of expiry while clients use them, and served while still valid when Google cannot be reached.
 */
public final class TokenCache<K> {
  private static final Logger LOG = LoggerFactory.getLogger(TokenCache.class);
  private static final Duration IDLE_EVICTION = Duration.ofMinutes(10);
  // Clients cache tokens themselves and come back shortly before their copy expires (about an hour later): keys used
  // within that span are kept warm so the next request does not wait for Google.
  private static final Duration KEEP_WARM_AFTER_USE = Duration.ofMinutes(65);

  private final String kind;
  private final TokenFetcher<K> fetcher;
  private final Function<Throwable, String> describeFailure;
  private final Clock clock;
  private final Executor executor;
  private final RefreshPolicy policy;
  private final int maxEntries;
  private final Map<K, Entry> entries = new ConcurrentHashMap<>();

  public TokenCache(String kind, TokenFetcher<K> fetcher, Function<Throwable, String> describeFailure, Clock clock,
      Executor executor, RefreshPolicy policy, int maxEntries) {
    this.kind = kind;
    this.fetcher = fetcher;
    this.describeFailure = describeFailure;
    this.clock = clock;
    this.executor = executor;
    this.policy = policy;
    this.maxEntries = maxEntries;
  }

  /**
   * A token valid for at least the policy's minimum remaining time, waiting up to {@code maxWait} for Google when
   * none is cached. Blocks the calling thread while it waits; request threads use {@link #request} instead.
   */
  public CachedToken get(K key, Duration maxWait) throws TokenUnavailableException {
    try {
      return request(key, maxWait).join();
    } catch (CompletionException e) {
      throw unavailable(e);
    }
  }

  /**
   * As {@link #get}, without holding a thread while it waits: complete at once when a usable token is cached (or
   * when it cannot be had now), otherwise completed by the one fetch in flight for the key, or with a
   * {@link TokenUnavailableException} after {@code maxWait}. However many clients wait, they share that fetch and
   * cost one small future each.
   */
  public CompletableFuture<CachedToken> request(K key, Duration maxWait) {
    CompletableFuture<CachedToken> pending;
    try {
      Entry entry = entryFor(key);
      synchronized (entry) {
        Instant now = clock.instant();
        entry.lastUsed = now;
        if (policy.usable(entry.token, now)) {
          if (entry.inFlight == null && policy.refreshDue(entry.token, entry.fetchedAt, now)
              && !now.isBefore(entry.nextAttempt)) {
            start(key, entry);
          }
          return CompletableFuture.completedFuture(entry.token);
        }
        if (entry.inFlight != null) {
          pending = entry.inFlight;
        } else if (entry.lastFailure != null && now.isBefore(entry.nextAttempt)) {
          throw new TokenUnavailableException(entry.lastFailure);
        } else {
          pending = start(key, entry);
        }
      }
    } catch (TokenUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (pending.isDone()) {
      return pending;
    }
    // A copy per waiter: its timeout must not complete the fetch the other waiters share.
    String timeout = "still waiting for Google to issue the " + kind + " (more than " + maxWait.toMillis()
        + " ms); retry";
    return pending.copy().orTimeout(maxWait.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(failure -> CompletableFuture.failedFuture(
            unwrap(failure) instanceof TimeoutException ? new TokenUnavailableException(timeout) : unwrap(failure)));
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }

  private static TokenUnavailableException unavailable(CompletionException e) {
    Throwable cause = unwrap(e);
    return cause instanceof TokenUnavailableException unavailable
        ? unavailable : new TokenUnavailableException(String.valueOf(cause.getMessage()));
  }

  /** Keeps a key's token fresh even when no client asks, starting now: the default scopes, so probes and first requests are fast. */
  public void keepFresh(K key) {
    Entry entry = entries.computeIfAbsent(key, k -> new Entry(clock.instant()));
    synchronized (entry) {
      entry.pinned = true;
      if (entry.inFlight == null) {
        start(key, entry);
      }
    }
  }

  public boolean hasUsable(K key) {
    Entry entry = entries.get(key);
    if (entry == null) {
      return false;
    }
    synchronized (entry) {
      return policy.usable(entry.token, clock.instant());
    }
  }

  /** Why the last attempt for this key failed, if it did. */
  public Optional<String> lastFailure(K key) {
    Entry entry = entries.get(key);
    if (entry == null) {
      return Optional.empty();
    }
    synchronized (entry) {
      return Optional.ofNullable(entry.lastFailure);
    }
  }

  /** Renews what is due among the keys in use and drops those nobody asked for in a while; run periodically. */
  public void refreshDue() {
    Instant now = clock.instant();
    entries.forEach((key, entry) -> {
      synchronized (entry) {
        if (entry.inFlight != null) {
          return;
        }
        if (entry.pinned || !entry.lastUsed.plus(KEEP_WARM_AFTER_USE).isBefore(now)) {
          if (policy.refreshDue(entry.token, entry.fetchedAt, now) && !now.isBefore(entry.nextAttempt)) {
            start(key, entry);
          }
        } else if (!policy.usable(entry.token, now) && entry.lastUsed.plus(IDLE_EVICTION).isBefore(now)) {
          entries.remove(key, entry);
        }
      }
    });
  }

  int size() {
    return entries.size();
  }

  private Entry entryFor(K key) throws TokenUnavailableException {
    Entry existing = entries.get(key);
    if (existing != null) {
      return existing;
    }
    if (entries.size() >= maxEntries) {
      refreshDue();
    }
    if (entries.size() >= maxEntries) {
      throw new TokenUnavailableException("too many distinct " + kind + " requests in use (limit " + maxEntries + ")");
    }
    return entries.computeIfAbsent(key, k -> new Entry(clock.instant()));
  }

  /**
   * Caller holds the entry's monitor. The future is published before the fetch can complete; the fetch may run on the
   * calling thread (then it is already complete and no longer in flight on return).
   */
  private CompletableFuture<CachedToken> start(K key, Entry entry) {
    CompletableFuture<CachedToken> result = new CompletableFuture<>();
    entry.inFlight = result;
    try {
      executor.execute(() -> runFetch(key, entry, result));
    } catch (RejectedExecutionException e) {
      entry.inFlight = null;
      result.completeExceptionally(new TokenUnavailableException("sidecar is shutting down"));
    }
    return result;
  }

  private void runFetch(K key, Entry entry, CompletableFuture<CachedToken> result) {
    CachedToken token = null;
    String failure = null;
    try {
      token = fetcher.fetch(key);
    } catch (Exception | LinkageError e) {
      failure = describeFailure.apply(e);
    }
    synchronized (entry) {
      Instant now = clock.instant();
      entry.inFlight = null;
      if (token != null) {
        entry.token = token;
        entry.fetchedAt = now;
        entry.failures = 0;
        entry.lastFailure = null;
        entry.nextAttempt = Instant.MIN;
        LOG.debug("obtained {} for {}, valid until {}", kind, key, token.expiresAt());
      } else {
        entry.failures++;
        entry.lastFailure = kind + " unavailable: " + failure;
        Duration retry = policy.retryDelay(entry.failures);
        entry.nextAttempt = now.plus(retry);
        boolean stillServing = policy.usable(entry.token, now);
        LOG.warn("could not obtain {} for {}: {}; {}; next attempt in {} s", kind, key, failure,
            stillServing ? "serving the cached one until " + entry.token.expiresAt() : "none cached",
            retry.toSeconds());
      }
    }
    if (token != null) {
      result.complete(token);
    } else {
      result.completeExceptionally(new TokenUnavailableException(kind + " unavailable: " + failure));
    }
  }

  private static final class Entry {
    CachedToken token;
    Instant fetchedAt;
    CompletableFuture<CachedToken> inFlight;
    boolean pinned;
    Instant lastUsed;
    int failures;
    String lastFailure;
    Instant nextAttempt = Instant.MIN;

    Entry(Instant created) {
      this.lastUsed = created;
    }
  }
}
