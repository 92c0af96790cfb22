package dev.gcpwif.webhook.certs;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Self-signed mode: keeps a CA and a serving certificate in a Secret shared by all replicas, renews them before they
 * expire, keeps the MutatingWebhookConfiguration's {@code caBundle} equal to the trusted CAs, and writes the serving
 * pair to the PEM files the HTTPS server reloads.
 *
 * <p>Replicas agree without leader election: every write is conditional (create fails if the Secret exists, update
 * fails if it changed since it was read), and the loser re-reads the winner's Secret. Files are written only once
 * {@code caBundle} trusts their issuer, so a replica never serves a certificate the API server would reject.
 */
public final class SelfSignedCertificates implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SelfSignedCertificates.class);
  private static final int MAX_WRITE_ATTEMPTS = 5;
  private static final Duration DEFAULT_FIRST_RETRY = Duration.ofSeconds(5);
  private static final Duration MAX_RETRY = Duration.ofMinutes(5);

  private final SelfSignedSettings settings;
  private final Clock clock;
  private final TlsSecretStore store;
  private final RenewalPolicy policy;
  private final CaBundleInjector injector;
  private final ServingFiles files;
  private final Duration firstRetry;
  private final CountDownLatch firstSuccess = new CountDownLatch(1);
  private volatile ScheduledExecutorService scheduler;

  public SelfSignedCertificates(KubernetesClient client, SelfSignedSettings settings, Clock clock) {
    this(client, settings, clock, new CertificateIssuer(), DEFAULT_FIRST_RETRY);
  }

  SelfSignedCertificates(KubernetesClient client, SelfSignedSettings settings, Clock clock, CertificateIssuer issuer,
      Duration firstRetry) {
    this.firstRetry = firstRetry;
    this.settings = settings;
    this.clock = clock;
    this.store = new TlsSecretStore(client, settings.namespace(), settings.secretName());
    this.policy = new RenewalPolicy(issuer, settings);
    this.injector = new CaBundleInjector(client, settings.webhookConfigName());
    this.files = new ServingFiles(settings.certFile(), settings.keyFile());
  }

  /**
   * Creates or loads the certificates, renews what is due, patches {@code caBundle} if it differs, writes the files.
   * Idempotent; safe to run from several replicas at once.
   *
   * @return what the Secret holds now
   * @throws CertificateReconcileException with a one-line reason (a {@link MissingPermissionException} for RBAC)
   */
  public synchronized TlsBundle reconcileOnce() {
    TlsBundle bundle = storedOrRenewed();
    int patched = injector.inject(bundle.caBundleBase64());
    if (patched > 0) {
      LOG.info("Set the caBundle of {} webhook(s) in MutatingWebhookConfiguration \"{}\" to {} CA(s)", patched,
          settings.webhookConfigName(), bundle.trustedAuthorities().size());
    }
    try {
      if (files.write(bundle.servingCertificatePem(), bundle.servingKeyPem())) {
        LOG.info("Wrote the serving certificate (valid until {}) to {} and its key to {}",
            bundle.serving().notAfter(), settings.certFile(), settings.keyFile());
      }
    } catch (UncheckedIOException e) {
      throw new CertificateReconcileException(e.getMessage(), e);
    }
    firstSuccess.countDown();
    return bundle;
  }

  /** Reconciles now, then every {@code interval}; after a failure, retries sooner (5 s, doubling, at most 5 min). */
  public synchronized void start(Duration interval) {
    if (scheduler != null) {
      throw new IllegalStateException("already started");
    }
    scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "self-signed-certificates");
      thread.setDaemon(true);
      return thread;
    });
    scheduler.execute(() -> runAndReschedule(interval, 0));
  }

  /** Waits until a reconcile has succeeded once, i.e. the files exist and the API server trusts them. */
  public boolean awaitFirstReconcile(Duration timeout) throws InterruptedException {
    return firstSuccess.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
  }

  private void runAndReschedule(Duration interval, int failures) {
    Duration next;
    int failuresNow;
    try {
      reconcileOnce();
      next = interval;
      failuresNow = 0;
    } catch (RuntimeException e) {
      failuresNow = failures + 1;
      next = retryDelay(firstRetry, failuresNow, interval);
      // One line per attempt: the message says what failed and what to grant; the trace helps nobody here.
      LOG.warn("Self-signed certificates not reconciled: {}; retrying in {}s", e.getMessage(), next.toSeconds());
      LOG.debug("Reconcile failure detail", e);
    }
    ScheduledExecutorService current = scheduler;
    if (current != null && !current.isShutdown()) {
      int failuresForNext = failuresNow;
      Duration interval0 = interval;
      current.schedule(() -> runAndReschedule(interval0, failuresForNext), next.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  static Duration retryDelay(Duration firstRetry, int failures, Duration interval) {
    Duration delay = firstRetry.multipliedBy(1L << Math.min(failures - 1, 16));
    Duration cap = interval.compareTo(MAX_RETRY) < 0 ? interval : MAX_RETRY;
    return delay.compareTo(cap) < 0 ? delay : cap;
  }

  private TlsBundle storedOrRenewed() {
    for (int attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      Optional<Secret> secret = store.read();
      Optional<TlsBundle> current = secret.flatMap(this::usableBundle);
      RenewalPolicy.Plan plan = policy.plan(current, clock.instant());
      if (!plan.changed()) {
        return plan.bundle();
      }
      boolean written = secret.isPresent()
          ? store.update(secret.get(), plan.bundle().toSecretData())
          : store.create(plan.bundle().toSecretData());
      if (written) {
        LOG.info("{} {}: {}", secret.isPresent() ? "Updated" : "Created", store.describe(),
            String.join("; ", plan.reasons()));
        return plan.bundle();
      }
      LOG.debug("{} changed concurrently (attempt {}), reading it again", store.describe(), attempt);
    }
    throw new CertificateReconcileException(store.describe() + " kept changing under " + MAX_WRITE_ATTEMPTS
        + " consecutive writes; will try again");
  }

  private Optional<TlsBundle> usableBundle(Secret secret) {
    try {
      return Optional.of(TlsBundle.fromSecretData(secret.getData()));
    } catch (TlsBundle.UnusableSecretException e) {
      LOG.warn("{} exists but cannot be used ({}); replacing its content with a new CA and certificate",
          store.describe(), e.getMessage());
      return Optional.empty();
    }
  }
}
