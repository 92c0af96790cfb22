package dev.gcpwif.webhook.audit;

import dev.gcpwif.webhook.audit.Finding.Kind;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.PodServiceAccount;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-cluster audit: a pod watch and the ServiceAccount cache feed {@link InjectionAudit#check}; findings become
 * the {@code webhook_audit_pods} gauge, one log line and one Warning Event on the pod.
 *
 * <p>One replica reports: the holder of a Lease in the webhook's own namespace (fabric8's leader election). Only the
 * leader watches pods, so the other replicas spend neither memory nor API load on it, and only the leader exports the
 * gauge (a {@code sum} over replicas counts each pod once). A replica that loses the lease stops its watch and forgets
 * its findings; the next leader lists pods anew.
 *
 * <p>The pod cache keeps only what the audit reads ({@link ReducedPodStore}): no managedFields, status beyond the
 * phase, images, resources or probes. Each Event has a name derived from the
 * pod's uid and the finding, so a finding is reported once per pod even across resyncs, restarts and a change of
 * leader (a create that meets 409 Conflict was already reported), until the API server expires the Event (1 h by
 * default). Events are created within an {@link EventBudget}: past it, a finding waits for a later resync (its log
 * line with it), so a first pass over a cluster full of uninjected pods cannot flood the API server.
 *
 * <p>Everything runs on its own threads (the informer's, the lease's and one audit thread): a hung or failing API
 * server delays the audit, never an admission. A failed Event is logged and retried at the next resync.
 */
public final class ClusterAudit implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterAudit.class);
  public static final String DEFAULT_LEASE_NAME = "gcp-wif-webhook-audit";
  public static final String COMPONENT = "gcp-wif-webhook";
  private static final String BY_ACCOUNT = "serviceAccount";

  /** Lease timing; the defaults are client-go's (15 s, 10 s, 2 s). */
  public record LeaseTiming(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    public static final LeaseTiming DEFAULT =
        new LeaseTiming(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
  }

  private final KubernetesClient client;
  private final InjectionAudit audit;
  private final Names names;
  private final BiFunction<String, String, Optional<ServiceAccount>> cachedAccounts;
  private final Duration resync;
  private final String leaseNamespace;
  private final String leaseName;
  private final String identity;
  private final LeaseTiming timing;
  private final ScheduledExecutorService worker;
  private final AtomicBoolean leader = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong eventsCreated = new AtomicLong();
  private final AtomicLong eventFailures = new AtomicLong();
  private final AtomicLong eventsDeferred = new AtomicLong();
  private final EventBudget eventBudget;
  /** Findings left without an Event in the current pass, for its one summary line. */
  private int deferredThisPass;
  /** Pod key → its current finding; only while leading. */
  private final Map<String, Finding> findings = new ConcurrentHashMap<>();
  /** Event names created (or found to exist) this term: not re-sent at each resync. */
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  /** Pod keys queued for a check. */
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private volatile SharedIndexInformer<Pod> pods;
  private volatile CompletableFuture<?> election;

  /**
   * @param cachedAccounts the ServiceAccount cache, without direct reads (the audit must not spend the admissions'
   *     budget of API reads)
   * @param identity this replica's name in the Lease (its pod name)
   */
  public ClusterAudit(KubernetesClient client, InjectionAudit audit,
      BiFunction<String, String, Optional<ServiceAccount>> cachedAccounts, Duration resync, String leaseNamespace,
      String leaseName, String identity, LeaseTiming timing, EventBudget eventBudget) {
    if (resync.isZero() || resync.isNegative()) {
      throw new IllegalArgumentException("the audit resync period must be positive, got " + resync);
    }
    this.client = client;
    this.audit = audit;
    this.names = audit.names();
    this.cachedAccounts = cachedAccounts;
    this.resync = resync;
    this.leaseNamespace = leaseNamespace;
    this.leaseName = leaseName;
    this.identity = identity;
    this.timing = timing;
    this.eventBudget = eventBudget;
    this.worker = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "pod-audit");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Starts competing for the lease; the leader starts the pod watch. Returns at once. */
  public void start() {
    elect();
    worker.scheduleWithFixedDelay(this::auditAllSafely, resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void elect() {
    if (closed.get()) {
      return;
    }
    LeaseLock lock = new LeaseLock(leaseNamespace, leaseName, identity);
    CompletableFuture<?> running = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
        .withName(leaseName).withLock(lock).withLeaseDuration(timing.leaseDuration())
        .withRenewDeadline(timing.renewDeadline()).withRetryPeriod(timing.retryPeriod()).withReleaseOnCancel()
        .withLeaderCallbacks(new LeaderCallbacks(this::startLeading, this::stopLeading,
            newLeader -> LOG.info("pod audit: leader is now {}", newLeader)))
        .build()).build().start();
    election = running;
    // The elector's future ends when this replica loses the lease (or cannot renew it): compete again.
    running.whenComplete((ignored, error) -> {
      if (!closed.get()) {
        if (error != null) {
          LOG.warn("pod audit: leader election ended: {} (retrying)", error.toString());
        }
        try {
          worker.schedule(this::elect, timing.retryPeriod().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
          // closed meanwhile
        }
      }
    });
  }

  private void startLeading() {
    run(() -> {
      if (closed.get() || pods != null) {
        return;
      }
      leader.set(true);
      LOG.info("pod audit: {} leads ({}/{}); watching pods", identity, leaseNamespace, leaseName);
      SharedIndexInformer<Pod> informer = client.pods().inAnyNamespace().runnableInformer(0);
      informer.itemStore(new ReducedPodStore(names));
      informer.addIndexers(Map.of(BY_ACCOUNT, pod -> List.of(accountKey(pod))));
      informer.addEventHandler(new ResourceEventHandler<>() {
        @Override
        public void onAdd(Pod pod) {
          enqueue(key(pod));
        }

        @Override
        public void onUpdate(Pod before, Pod after) {
          enqueue(key(after));
        }

        @Override
        public void onDelete(Pod pod, boolean finalStateUnknown) {
          findings.remove(key(pod));
          // Event names are per pod uid: without this, a leader's set would grow with every pod ever deleted.
          for (Kind kind : Kind.values()) {
            reported.remove(eventName(pod, kind));
          }
        }
      });
      informer.exceptionHandler((started, t) -> {
        LOG.warn("pod audit: pod watch: {} (retrying)", t.toString());
        return true;
      });
      pods = informer;
      informer.start();
    });
  }

  private void stopLeading() {
    run(() -> {
      if (pods != null) {
        LOG.info("pod audit: {} no longer leads; pod watch stopped", identity);
        pods.stop();
        pods = null;
      }
      leader.set(false);
      findings.clear();
      reported.clear();
    });
  }

  /**
   * Queues a re-check of one pod by key: the handler's object is the whole pod as received, and queueing it would
   * hold every pod of the initial list in full; the audit thread reads the reduced one from the cache instead, and a
   * pod changed twice before its turn is checked once.
   */
  private void enqueue(String key) {
    if (pending.add(key)) {
      run(() -> {
        pending.remove(key);
        SharedIndexInformer<Pod> informer = pods;
        Pod cached = informer == null ? null : informer.getStore().getByKey(key);
        if (cached != null) {
          checkSafely(cached);
        }
      });
    }
  }

  /** Runs {@code task} on the audit thread; after {@link #close} (a late informer or lease callback), not at all. */
  private void run(Runnable task) {
    try {
      worker.execute(task);
    } catch (RejectedExecutionException closed) {
      // closing: the task no longer matters
    }
  }

  /** A ServiceAccount changed: re-check its pods (on the audit thread). */
  public void serviceAccountChanged(String namespace, String name) {
    run(() -> {
      SharedIndexInformer<Pod> informer = pods;
      if (informer != null) {
        informer.getIndexer().byIndex(BY_ACCOUNT, namespace + "/" + name).forEach(this::checkSafely);
      }
    });
  }

  /** Whether this replica holds the lease and reports. */
  public boolean isLeader() {
    return leader.get();
  }

  /** Pods watched (0 unless leading). */
  public int podsCached() {
    SharedIndexInformer<Pod> informer = pods;
    return informer == null ? 0 : informer.getIndexer().list().size();
  }

  /** The current findings: pod key to finding. */
  public Map<String, Finding> findings() {
    return Map.copyOf(findings);
  }

  public long eventsCreated() {
    return eventsCreated.get();
  }

  public long eventsDeferred() {
    return eventsDeferred.get();
  }

  /** Event names remembered as reported (for tests: forgotten when their pod goes). */
  int eventsRemembered() {
    return reported.size();
  }

  /** The gauge {@code webhook_audit_pods{state,namespace}} (exported by the leader only), and the leader flag. */
  public void registerMetrics(WebhookMetrics metrics) {
    metrics.registerGaugeFamily("webhook_audit_pods",
        "Pods the in-cluster audit found, by state (uninjected, stale, tampered, pre-receipt) and namespace; "
            + "exported by the audit's leader only, so a sum over replicas counts each pod once.",
        this::gauge);
    metrics.registerGauge("webhook_audit_leader", "1 on the replica that holds the audit's Lease and reports.",
        () -> isLeader() ? 1 : 0);
    metrics.registerCounter("webhook_audit_events_total", "Warning Events the audit created on pods.",
        eventsCreated::get);
    metrics.registerCounter("webhook_audit_event_failures_total",
        "Events the audit could not create (retried at the next resync).", eventFailures::get);
    metrics.registerCounter("webhook_audit_events_deferred_total",
        "Findings whose Event waited for a later resync because the Event budget was spent.", eventsDeferred::get);
  }

  /** Label set to value; empty unless leading. */
  Map<String, Double> gauge() {
    Map<String, Double> series = new TreeMap<>();
    if (!leader.get()) {
      return series;
    }
    for (Finding finding : findings.values()) {
      series.merge("state=\"" + finding.kind().label() + "\",namespace=\"" + finding.namespace() + "\"", 1.0,
          Double::sum);
    }
    return series;
  }

  private void auditAllSafely() {
    SharedIndexInformer<Pod> informer = pods;
    if (informer == null || !informer.hasSynced()) {
      return;
    }
    deferredThisPass = 0;
    try {
      for (Pod pod : informer.getIndexer().list()) {
        checkSafely(pod);
      }
    } catch (RuntimeException e) {
      LOG.warn("pod audit: resync failed: {}", e.toString());
    }
    if (deferredThisPass > 0) {
      LOG.warn("pod audit: {} findings get their Event at a later resync (at most {} Events at once, then {}/s); "
          + "webhook_audit_pods counts them all now", deferredThisPass, eventBudget.burst(), eventBudget.perSecond());
    }
  }

  private void checkSafely(Pod pod) {
    if (!leader.get() || pod == null || pod.getMetadata() == null) {
      return;
    }
    try {
      String namespace = pod.getMetadata().getNamespace();
      ServiceAccount account = cachedAccounts.apply(namespace, PodServiceAccount.nameOf(pod.getSpec())).orElse(null);
      Optional<Finding> finding = audit.check(pod, account);
      if (finding.isEmpty()) {
        findings.remove(key(pod));
        return;
      }
      findings.put(key(pod), finding.get());
      report(pod, finding.get());
    } catch (RuntimeException e) {
      LOG.warn("pod audit: cannot check pod {}: {}", key(pod), e.toString());
    }
  }

  private void report(Pod pod, Finding finding) {
    String eventName = eventName(pod, finding.kind());
    if (reported.contains(eventName)) {
      return;
    }
    String message = String.join("; ", finding.details()) + ". To do: " + finding.action();
    if (message.length() > 1024) {
      message = message.substring(0, 1021) + "...";
    }
    if (!eventBudget.tryTake()) {
      eventsDeferred.incrementAndGet();
      deferredThisPass++;
      return; // not remembered as reported: the next resync tries again
    }
    String now = Instant.now().toString();
    try {
      client.v1().events().inNamespace(pod.getMetadata().getNamespace()).resource(new EventBuilder()
          .withNewMetadata().withName(eventName).withNamespace(pod.getMetadata().getNamespace()).endMetadata()
          .withNewInvolvedObject().withApiVersion("v1").withKind("Pod")
          .withNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .withUid(pod.getMetadata().getUid()).endInvolvedObject()
          .withType("Warning").withReason(reason(finding.kind())).withMessage(message)
          .withNewSource().withComponent(COMPONENT).endSource()
          .withReportingComponent(COMPONENT).withReportingInstance(identity)
          .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
          .build()).create();
      eventsCreated.incrementAndGet();
      LOG.warn("pod audit: {}/{} {}: {}", finding.namespace(), finding.pod(), finding.kind().label(), message);
      reported.add(eventName);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        reported.add(eventName); // reported already, by this replica before a restart or by an earlier leader
        return;
      }
      eventFailures.incrementAndGet();
      LOG.warn("pod audit: cannot create the Event for {}/{} (HTTP {}; retried at the next resync)",
          finding.namespace(), finding.pod(), e.getCode());
    }
  }

  /** The Event's reason for a finding: what {@code kubectl get events --field-selector reason=...} filters on. */
  public static String reason(Kind kind) {
    return switch (kind) {
      case UNINJECTED -> "WorkloadIdentityNotInjected";
      case STALE -> "WorkloadIdentityStale";
      case TAMPERED -> "WorkloadIdentityTampered";
      case PRE_RECEIPT -> "WorkloadIdentityPreReceipt";
    };
  }

  /** One name per pod (its uid) and finding kind: a second create of the same finding meets 409 Conflict. */
  static String eventName(Pod pod, Kind kind) {
    String name = pod.getMetadata().getName();
    String uid = pod.getMetadata().getUid() == null ? name : pod.getMetadata().getUid();
    String suffix = ".wif-" + kind.label() + "-" + digest(uid);
    return (name.length() + suffix.length() > 253 ? name.substring(0, 253 - suffix.length()) : name) + suffix;
  }

  private static String digest(String value) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  private static String accountKey(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + PodServiceAccount.nameOf(pod.getSpec());
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<?> running = election;
    if (running != null) {
      running.cancel(true); // releaseOnCancel: the next replica leads at once instead of after the lease duration
    }
    SharedIndexInformer<Pod> informer = pods;
    if (informer != null) {
      informer.stop();
    }
    leader.set(false);
    worker.shutdownNow();
  }
}
