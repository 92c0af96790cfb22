package dev.gcpwif.webhook.serviceaccount;

import dev.gcpwif.webhook.metrics.WebhookMetrics;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ServiceAccounts of every namespace from a shared informer, with a direct GET when the cache misses: a pod is often
 * created right after its ServiceAccount (one {@code kubectl apply}), before the watch event arrives.
 *
 * <p>A direct read is bounded three ways, because the admission that waits for it is itself bounded by the webhook's
 * {@code timeoutSeconds}: it gets a deadline (fabric8's own retries held a miss for about 130 s against a hung API
 * server), made-up names cannot turn every review into an API request (a token bucket, 10 reads a second by default,
 * like the EKS pod identity webhook's fetch queue of 10), and concurrent misses of the same name share one read (a
 * Deployment's replicas for a ServiceAccount created a moment before). A lookup that hits the deadline or the rate
 * limit throws {@link ServiceAccountLookupException}: the endpoint answers HTTP 503, and the webhook's
 * {@code failurePolicy} decides, exactly as for an unreachable API server.
 *
 * <p>No negative cache: the ServiceAccount admission plugin already rejects pods whose account does not exist, so a
 * miss is almost always informer lag, and remembering "absent" would turn that lag into an uninjected pod. The shared
 * read covers a burst of pods for one missing account instead.
 *
 * <p>The cache keeps only names and annotations ({@link ReducedStateItemStore}): a large cluster has tens of thousands
 * of ServiceAccounts and the mutation reads nothing else.
 */
public final class InformerServiceAccounts implements ServiceAccountLookup, AutoCloseable {
  public static final Duration DEFAULT_LOOKUP_TIMEOUT = Duration.ofSeconds(3);
  public static final double DEFAULT_DIRECT_READS_PER_SECOND = 10;
  private static final Logger LOG = LoggerFactory.getLogger(InformerServiceAccounts.class);
  /** Reads stuck past their deadline keep a thread until fabric8 gives up; beyond this many, lookups are refused. */
  private static final int MAX_READS_IN_FLIGHT = 32;

  private final KubernetesClient client;
  private final SharedIndexInformer<ServiceAccount> informer;
  private final Duration lookupTimeout;
  private final DirectReadLimiter limiter;
  private final ThreadPoolExecutor readers;
  private final Map<String, CompletableFuture<Optional<ServiceAccount>>> readsInFlight = new ConcurrentHashMap<>();
  private final AtomicLong directReads = new AtomicLong();
  private final AtomicLong rateLimited = new AtomicLong();
  private final AtomicLong timedOut = new AtomicLong();
  private final AtomicLong events = new AtomicLong();
  private final List<BiConsumer<String, String>> listeners = new CopyOnWriteArrayList<>();

  public InformerServiceAccounts(KubernetesClient client, Duration resync) {
    this(client, resync, DEFAULT_LOOKUP_TIMEOUT, DEFAULT_DIRECT_READS_PER_SECOND);
  }

  /**
   * @param lookupTimeout how long a lookup that misses the cache may wait for the API server
   * @param directReadsPerSecond cache misses that may read the API server per second; 0 disables direct reads
   */
  public InformerServiceAccounts(KubernetesClient client, Duration resync, Duration lookupTimeout,
      double directReadsPerSecond) {
    if (lookupTimeout.isZero() || lookupTimeout.isNegative()) {
      throw new IllegalArgumentException("the ServiceAccount lookup timeout must be positive, got " + lookupTimeout);
    }
    this.client = client;
    this.lookupTimeout = lookupTimeout;
    this.limiter = new DirectReadLimiter(directReadsPerSecond, System::nanoTime);
    AtomicInteger threadNumber = new AtomicInteger();
    this.readers = new ThreadPoolExecutor(0, MAX_READS_IN_FLIGHT, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
        runnable -> {
          Thread thread = new Thread(runnable, "serviceaccount-read-" + threadNumber.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
    this.informer = client.serviceAccounts().inAnyNamespace().runnableInformer(resync.toMillis());
    informer.itemStore(new ReducedStateItemStore<>(ReducedStateItemStore.NAME_KEY_STATE, ServiceAccount.class,
        client.getKubernetesSerialization() != null ? client.getKubernetesSerialization() : new KubernetesSerialization(),
        "metadata.annotations"));
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ServiceAccount account) {
        events.incrementAndGet();
        notifyListeners(account);
      }

      @Override
      public void onUpdate(ServiceAccount before, ServiceAccount after) {
        events.incrementAndGet();
        // A resync delivers every account unchanged: the audit re-checks on its own resync, so only real changes.
        if (before == null || after.getMetadata() == null || before.getMetadata() == null
            || !Objects.equals(before.getMetadata().getResourceVersion(),
                after.getMetadata().getResourceVersion())) {
          notifyListeners(after);
        }
      }

      @Override
      public void onDelete(ServiceAccount account, boolean finalStateUnknown) {
        events.incrementAndGet();
        notifyListeners(account);
      }
    });
    informer.exceptionHandler((started, t) -> {
      // Keep retrying: readiness stays false until the first list succeeds, and lookups fall back to direct reads.
      LOG.warn("ServiceAccount informer: {} (retrying)", t.toString());
      return true;
    });
  }

  /**
   * Calls {@code listener} with the namespace and name of every ServiceAccount added, changed or deleted (not at a
   * resync that changes nothing), on the informer's thread: it must return quickly.
   */
  public void onChange(BiConsumer<String, String> listener) {
    listeners.add(listener);
  }

  private void notifyListeners(ServiceAccount account) {
    if (account == null || account.getMetadata() == null) {
      return;
    }
    for (BiConsumer<String, String> listener : listeners) {
      try {
        listener.accept(account.getMetadata().getNamespace(), account.getMetadata().getName());
      } catch (RuntimeException e) {
        LOG.warn("ServiceAccount listener failed: {}", e.toString());
      }
    }
  }

  /** The account from the cache alone, never the API server: for the audit, which must not use the reads' budget. */
  public Optional<ServiceAccount> cached(String namespace, String name) {
    return Optional.ofNullable(informer.getStore().getByKey(namespace + "/" + name));
  }

  /** Starts listing and watching in the background; {@link #hasSynced()} turns true after the first full list. */
  public void start() {
    informer.start().whenComplete((ignored, error) -> {
      if (error == null) {
        LOG.info("ServiceAccount informer synced");
      } else {
        LOG.warn("ServiceAccount informer did not start: {}", error.toString());
      }
    });
  }

  public boolean hasSynced() {
    return informer.hasSynced();
  }

  /** Whether the watch is open: while it is not, changes reach the cache only at the next list. */
  public boolean isWatching() {
    return informer.isWatching();
  }

  /** ServiceAccount additions, updates and deletions delivered to the cache (by lists, watch events and resyncs). */
  public long eventsReceived() {
    return events.get();
  }

  /** Whether the cache holds this account now (no API read). */
  boolean isCached(String namespace, String name) {
    return informer.getStore().getByKey(namespace + "/" + name) != null;
  }

  /** How many lookups missed the cache and went to the API server. */
  public long directReads() {
    return directReads.get();
  }

  /** How many cache misses were refused a direct read by the rate limit (or because too many reads hung). */
  public long rateLimitedLookups() {
    return rateLimited.get();
  }

  /** How many cache misses got no answer from the API server within the lookup timeout. */
  public long timedOutLookups() {
    return timedOut.get();
  }

  /** The cache's series on {@code /metrics}: sync and watch state, direct reads, rate-limited and timed-out misses. */
  public void registerMetrics(WebhookMetrics metrics) {
    metrics.registerGauge("webhook_serviceaccount_informer_synced",
        "1 once the ServiceAccount cache has completed its first list.", () -> hasSynced() ? 1 : 0);
    metrics.registerCounter("webhook_serviceaccount_informer_events_total",
        "ServiceAccount additions, updates and deletions delivered to the cache.", this::eventsReceived);
    metrics.registerCounter("webhook_serviceaccount_direct_reads_total",
        "ServiceAccount lookups that missed the cache and read the API server.", this::directReads);
    metrics.registerCounter("webhook_serviceaccount_lookups_rate_limited_total",
        "Cache misses refused a direct read by --serviceaccount-direct-reads-per-second (answered HTTP 503).",
        this::rateLimitedLookups);
    metrics.registerCounter("webhook_serviceaccount_lookup_timeouts_total",
        "Cache misses the API server did not answer within --serviceaccount-lookup-timeout (answered HTTP 503).",
        this::timedOutLookups);
    metrics.registerGauge("webhook_serviceaccount_informer_watching",
        "1 while the ServiceAccount watch is open; 0 means changes arrive only with the next list.",
        () -> isWatching() ? 1 : 0);
  }

  @Override
  public Optional<ServiceAccount> find(String namespace, String name) throws ServiceAccountLookupException {
    String key = namespace + "/" + name;
    ServiceAccount cached = informer.getStore().getByKey(key);
    if (cached != null) {
      return Optional.of(cached);
    }
    CompletableFuture<Optional<ServiceAccount>> mine = new CompletableFuture<>();
    CompletableFuture<Optional<ServiceAccount>> shared = readsInFlight.putIfAbsent(key, mine);
    Future<?> task = null;
    if (shared == null) {
      shared = mine;
      task = startRead(key, namespace, name, mine);
    }
    try {
      return shared.get(lookupTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      timedOut.incrementAndGet();
      if (task != null) {
        task.cancel(true); // frees the thread if fabric8 honours the interrupt; waiting joiners fail with this one
        mine.completeExceptionally(e);
        readsInFlight.remove(key, mine);
      }
      throw new ServiceAccountLookupException("ServiceAccount " + key + " is not in the cache and the API server did "
          + "not answer within " + lookupTimeout.toMillis() + "ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServiceAccountLookupException("interrupted while reading ServiceAccount " + key, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RateLimitedException || cause instanceof TimeoutException) {
        throw new ServiceAccountLookupException("ServiceAccount " + key + " is not in the cache and "
            + (cause instanceof TimeoutException ? "the API server did not answer in time" : cause.getMessage()),
            cause);
      }
      String code = cause instanceof KubernetesClientException k ? "HTTP " + k.getCode() : cause.toString();
      throw new ServiceAccountLookupException("cannot read ServiceAccount " + key + " (" + code + ")", cause);
    }
  }

  private Future<?> startRead(String key, String namespace, String name,
      CompletableFuture<Optional<ServiceAccount>> result) {
    if (!limiter.tryAcquire()) {
      return refuse(key, result, "direct reads are limited to " + limiter.perSecond() + " a second");
    }
    try {
      Future<?> task = readers.submit(() -> {
        try {
          result.complete(Optional.ofNullable(client.serviceAccounts().inNamespace(namespace).withName(name).get()));
        } catch (Throwable t) {
          result.completeExceptionally(t);
        } finally {
          readsInFlight.remove(key, result);
        }
      });
      directReads.incrementAndGet();
      return task;
    } catch (RejectedExecutionException e) {
      return refuse(key, result, MAX_READS_IN_FLIGHT + " direct reads are already waiting for the API server");
    }
  }

  private Future<?> refuse(String key, CompletableFuture<Optional<ServiceAccount>> result, String why) {
    rateLimited.incrementAndGet();
    result.completeExceptionally(new RateLimitedException(why));
    readsInFlight.remove(key, result);
    return null;
  }

  @Override
  public void close() {
    informer.stop();
    readers.shutdownNow();
  }

  private static final class RateLimitedException extends Exception {
    RateLimitedException(String message) {
      super(message, null, false, false);
    }
  }
}
