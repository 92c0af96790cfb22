package dev.gcpwif.webhook.serve;

import static dev.gcpwif.cli.Throwables.rootMessage;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.audit.ClusterAudit;
import dev.gcpwif.webhook.audit.EventBudget;
import dev.gcpwif.webhook.audit.InjectionAudit;
import dev.gcpwif.webhook.certs.SelfSignedCertificates;
import dev.gcpwif.webhook.cli.DurationConverter;
import dev.gcpwif.webhook.cli.GoChartOptions;
import dev.gcpwif.webhook.cli.KubernetesNames;
import dev.gcpwif.webhook.cli.NamespaceConverter;
import dev.gcpwif.webhook.cli.MutationOptions;
import dev.gcpwif.webhook.cli.SelfSignedOptions;
import dev.gcpwif.webhook.cli.SidecarOptions;
import dev.gcpwif.webhook.cli.TlsOptions;
import dev.gcpwif.webhook.cli.VersionProvider;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.serviceaccount.InformerServiceAccounts;
import dev.gcpwif.webhook.tls.ReloadingServerTls;
import dev.gcpwif.webhook.tls.TlsMaterialException;
import dev.gcpwif.webhook.tls.TlsPolicy;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code webhook serve}: the mutating admission webhook over HTTPS. */
@Command(
    name = "serve",
    versionProvider = VersionProvider.class,
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Run the mutating admission webhook (HTTPS: POST /mutate, GET /healthz, /readyz, /metrics).",
    footer = {"%nEvery flag can also be set through the environment variable named in its description.",
        "Exit status: 2 on a usage error, or a TLS or kubeconfig file it cannot use at start; 1 when it cannot listen."})
public final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Spec CommandSpec spec;

  @Option(names = "--address", paramLabel = "HOST", defaultValue = "${env:WEBHOOK_ADDRESS:-0.0.0.0}",
      description = "Address to listen on (env WEBHOOK_ADDRESS; default: ${DEFAULT-VALUE}).")
  String address;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "${env:WEBHOOK_PORT:-8443}",
      description = "HTTPS port for admission, health, readiness and metrics (env WEBHOOK_PORT; default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--metrics-bind-address", paramLabel = "HOST:PORT",
      defaultValue = "${env:WEBHOOK_METRICS_BIND_ADDRESS}",
      description = "Also serve GET /metrics over plain HTTP on this address, as the Go webhook does: :8080 is every "
          + "interface, 127.0.0.1:8080 loopback only, 0 is off (env WEBHOOK_METRICS_BIND_ADDRESS; default: off, "
          + "/metrics is on the HTTPS port).")
  String metricsBindAddress;

  @Option(names = "--health-probe-bind-address", paramLabel = "HOST:PORT",
      defaultValue = "${env:WEBHOOK_HEALTH_PROBE_BIND_ADDRESS}",
      description = "Also serve GET /healthz and /readyz over plain HTTP on this address, as the Go webhook does; "
          + "same forms as --metrics-bind-address (env WEBHOOK_HEALTH_PROBE_BIND_ADDRESS; default: off, both are on "
          + "the HTTPS port).")
  String healthProbeBindAddress;

  @Option(names = "--tls-cert-file", paramLabel = "FILE", defaultValue = "${env:WEBHOOK_TLS_CERT_FILE}",
      description = "PEM certificate chain, leaf first (env WEBHOOK_TLS_CERT_FILE; required).")
  Path tlsCertFile;

  @Option(names = "--tls-key-file", paramLabel = "FILE", defaultValue = "${env:WEBHOOK_TLS_KEY_FILE}",
      description = "PEM private key: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), unencrypted (env WEBHOOK_TLS_KEY_FILE; required).")
  Path tlsKeyFile;

  @Option(names = "--cert-reload-interval", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:WEBHOOK_CERT_RELOAD_INTERVAL:-10s}",
      description = "How often to check the certificate and key files for changes; 0s disables reloading "
          + "(env WEBHOOK_CERT_RELOAD_INTERVAL; default: ${DEFAULT-VALUE}).")
  Duration certReloadInterval;

  @Option(names = "--shutdown-delay", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:WEBHOOK_SHUTDOWN_DELAY:-3s}",
      description = "On SIGTERM, keep serving this long with /readyz failing, so the Service stops routing here "
          + "before the listener closes (env WEBHOOK_SHUTDOWN_DELAY; default: ${DEFAULT-VALUE}).")
  Duration shutdownDelay;

  @Option(names = "--shutdown-grace", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:WEBHOOK_SHUTDOWN_GRACE:-20s}",
      description = "Then wait at most this long for in-flight admissions; keep delay + grace under the pod's "
          + "terminationGracePeriodSeconds (env WEBHOOK_SHUTDOWN_GRACE; default: ${DEFAULT-VALUE}).")
  Duration shutdownGrace;

  @Option(names = "--kubeconfig", paramLabel = "FILE", defaultValue = "${env:WEBHOOK_KUBECONFIG}",
      description = "Kubeconfig to reach the API server; without it the in-cluster ServiceAccount (or KUBECONFIG, "
          + "~/.kube/config) is used (env WEBHOOK_KUBECONFIG; default: none).")
  Path kubeconfig;

  @Option(names = "--informer-resync", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:WEBHOOK_INFORMER_RESYNC:-10m}",
      description = "Resync period of the ServiceAccount informer; 0s disables resync "
          + "(env WEBHOOK_INFORMER_RESYNC; default: ${DEFAULT-VALUE}).")
  Duration informerResync;

  @Option(names = "--serviceaccount-lookup-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:WEBHOOK_SERVICEACCOUNT_LOOKUP_TIMEOUT:-3s}",
      description = "How long an admission whose ServiceAccount is not in the cache waits for the API server; keep it "
          + "under the webhook's timeoutSeconds (5 s as shipped). On timeout the admission gets HTTP 503 and the "
          + "failurePolicy decides (env WEBHOOK_SERVICEACCOUNT_LOOKUP_TIMEOUT; default: ${DEFAULT-VALUE}).")
  Duration serviceAccountLookupTimeout;

  @Option(names = "--serviceaccount-direct-reads-per-second", paramLabel = "N",
      defaultValue = "${env:WEBHOOK_SERVICEACCOUNT_DIRECT_READS_PER_SECOND:-10}",
      description = "Cache misses that may read the API server per second (bursts up to the same number); a miss "
          + "beyond it gets HTTP 503 at once; 0 disables direct reads "
          + "(env WEBHOOK_SERVICEACCOUNT_DIRECT_READS_PER_SECOND; default: ${DEFAULT-VALUE}).")
  double serviceAccountDirectReadsPerSecond;

  @Option(names = "--request-read-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:WEBHOOK_REQUEST_READ_TIMEOUT:-10s}",
      description = "A connection must deliver its request headers, and a request its whole body, within this; bodies "
          + "slower than 1 KiB/s are cut sooner (env WEBHOOK_REQUEST_READ_TIMEOUT; default: ${DEFAULT-VALUE}).")
  Duration requestReadTimeout;

  @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:WEBHOOK_IDLE_TIMEOUT:-30s}",
      description = "Close connections silent for this long, between requests or within one "
          + "(env WEBHOOK_IDLE_TIMEOUT; default: ${DEFAULT-VALUE}).")
  Duration idleTimeout;

  @Option(names = "--audit-pods", paramLabel = "BOOLEAN", arity = "0..1", fallbackValue = "true",
      defaultValue = "${env:WEBHOOK_AUDIT_PODS:-true}",
      description = "Watch pods and report those that should have credentials and do not (uninjected, stale, "
          + "tampered): a gauge, a log line and a Warning Event on the pod, from the one replica holding the Lease "
          + "--audit-lease in the webhook's namespace; false: no pod watch, no Lease "
          + "(env WEBHOOK_AUDIT_PODS; default: ${DEFAULT-VALUE}).")
  boolean auditPods;

  @Option(names = "--audit-resync", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:WEBHOOK_AUDIT_RESYNC:-10m}",
      description = "How often the audit re-checks every pod (besides each pod and ServiceAccount change); a pod is "
          + "reported once per finding, not at each resync (env WEBHOOK_AUDIT_RESYNC; default: ${DEFAULT-VALUE}).")
  Duration auditResync;

  @Option(names = "--audit-lease", paramLabel = "NAME", defaultValue = "${env:WEBHOOK_AUDIT_LEASE:-"
      + ClusterAudit.DEFAULT_LEASE_NAME + "}",
      description = "The Lease (in the webhook's namespace) whose holder runs the audit; each install in a namespace "
          + "needs its own (env WEBHOOK_AUDIT_LEASE; default: ${DEFAULT-VALUE}).")
  String auditLease;

  @Option(names = "--exclude-namespace", paramLabel = "NAMESPACE", split = ",",
      defaultValue = "${env:WEBHOOK_EXCLUDE_NAMESPACE:-" + InjectionAudit.SHIPPED_EXCLUDED_NAMESPACES_LIST + "}",
      converter = NamespaceConverter.class,
      description = "Namespace the webhook configuration excludes, not reported by the audit; repeatable or "
          + "comma-separated, replaces the default (the shipped configuration's: ${DEFAULT-VALUE}); "
          + "'--exclude-namespace=' excludes none (env WEBHOOK_EXCLUDE_NAMESPACE).")
  List<String> excludedNamespaces = new ArrayList<>();

  @Mixin TlsOptions tlsOptions = new TlsOptions();
  @Mixin MutationOptions mutationOptions = new MutationOptions();
  @Mixin SidecarOptions sidecarOptions = new SidecarOptions();
  @Mixin SelfSignedOptions selfSigned = new SelfSignedOptions();
  @Mixin GoChartOptions goChartOptions = new GoChartOptions();

  /** Set once the HTTPS port is open; lets in-process tests find a port chosen with --port=0. */
  volatile int listeningPort;
  private volatile Thread shutdownHook;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    WebhookSettings settings = mutationOptions.toSettings(sidecarOptions, spec.commandLine());
    RequestLimits limits;
    TlsPolicy tlsPolicy;
    Optional<GoBindAddress> metricsAddress;
    Optional<GoBindAddress> healthAddress;
    try {
      metricsAddress = GoBindAddress.parse("--metrics-bind-address", metricsBindAddress);
      healthAddress = GoBindAddress.parse("--health-probe-bind-address", healthProbeBindAddress);
      limits = RequestLimits.DEFAULTS.withTimeouts(requestReadTimeout, idleTimeout);
      checkLookupOptions();
      if (auditPods && (auditResync.isZero() || auditResync.isNegative())) {
        throw new IllegalArgumentException("--audit-resync must be positive, got "
            + DurationConverter.text(auditResync));
      }
      if (auditPods) {
        KubernetesNames.requireObjectName("--audit-lease", auditLease, "a Lease name");
      }
      tlsPolicy = tlsOptions.toPolicy();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage()); // a flag's value: a usage error, exit 2
    }
    goChartOptions.warnings().forEach(warning -> err.println("warning: " + warning));
    tlsPolicy.warnings().forEach(warning -> err.println("warning: " + warning));
    err.flush();
    if (tlsCertFile == null || tlsKeyFile == null) {
      throw new ParameterException(spec.commandLine(),
          "--tls-cert-file and --tls-key-file are required (PEM files; HTTPS only)");
    }
    KubernetesClient client;
    try {
      client = new KubernetesClientBuilder().withConfig(kubernetesConfig()).build();
    } catch (IOException | RuntimeException e) {
      err.println("webhook serve: cannot configure the Kubernetes client: " + e.getMessage());
      return 2;
    }
    // Self-signed mode writes the PEM files the TLS context loads next, so it runs first.
    SelfSignedCertificates certificates;
    try {
      certificates = selfSigned.enabled() ? startSelfSignedCertificates(client) : null;
    } catch (IllegalArgumentException e) {
      client.close();
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    ReloadingServerTls tls;
    try {
      tls = new ReloadingServerTls(tlsCertFile, tlsKeyFile, tlsPolicy);
    } catch (TlsMaterialException e) {
      err.println("webhook serve: " + e.getMessage());
      closeQuietly(certificates);
      client.close();
      return 2;
    }

    WebhookMetrics metrics = new WebhookMetrics();
    InformerServiceAccounts serviceAccounts = new InformerServiceAccounts(client, informerResync,
        serviceAccountLookupTimeout, serviceAccountDirectReadsPerSecond);
    serviceAccounts.registerMetrics(metrics);
    PodMutator mutator = new PodMutator(settings);
    AdmissionHandler admissions = new AdmissionHandler(mutator::mutateOwnCopy, serviceAccounts, settings.annotationPrefix(),
        new KubernetesSerialization());
    WebhookServer server = new WebhookServer(address, port, tls, admissions, serviceAccounts::hasSynced, metrics,
        shutdownGrace, limits);
    PlainListeners plainListeners = server.plainListeners(metricsAddress, healthAddress);

    ClusterAudit audit = auditPods ? clusterAudit(client, mutator, serviceAccounts) : null;
    if (audit != null) {
      audit.registerMetrics(metrics);
    }

    serviceAccounts.start();
    try {
      server.start();
    } catch (RuntimeException e) {
      err.println("webhook serve: cannot listen on " + address + ":" + port + ": " + rootMessage(e));
      serviceAccounts.close();
      closeQuietly(certificates);
      client.close();
      tls.close();
      return 1;
    }
    try {
      plainListeners.start();
    } catch (IllegalStateException e) {
      err.println("webhook serve: " + e.getMessage());
      server.close();
      serviceAccounts.close();
      closeQuietly(certificates);
      client.close();
      tls.close();
      return 1;
    }
    tls.startPolling(certReloadInterval);
    if (audit != null) {
      audit.start(); // after the port opened: the audit never delays admissions
    }
    listeningPort = server.port();
    LOG.info("listening on https://{}:{} (annotation prefix {})", address, server.port(), settings.annotationPrefix());

    CountDownLatch stopped = new CountDownLatch(1);
    shutdownHook = new Thread(() -> {
      LOG.info("shutting down: readiness off, serving {} more, then up to {} for in-flight admissions",
          shutdownDelay, shutdownGrace);
      server.markStopping();
      sleep(shutdownDelay);
      try {
        server.close();
      } catch (RuntimeException e) {
        // Still release the rest: the informer, the certificate renewal and the client.
        LOG.warn("in-flight requests did not finish within {}: {}", shutdownGrace, rootMessage(e));
      }
      // After the HTTPS port: probes and scrapes see the drain to its end.
      plainListeners.close();
      if (audit != null) {
        audit.close(); // releases the Lease: another replica takes over at once
      }
      closeQuietly(certificates);
      serviceAccounts.close();
      client.close();
      tls.close();
      LOG.info("stopped");
      stopped.countDown();
    }, "shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    stopped.await();
    return 0;
  }

  private ClusterAudit clusterAudit(KubernetesClient client, PodMutator mutator,
      InformerServiceAccounts serviceAccounts) {
    Set<String> excluded = NamespaceConverter.excluded(excludedNamespaces);
    String namespace = client.getNamespace() != null ? client.getNamespace()
        : Optional.ofNullable(System.getenv("POD_NAMESPACE")).orElse("default");
    String identity = Optional.ofNullable(System.getenv("POD_NAME")).or(() -> Optional.ofNullable(System.getenv("HOSTNAME")))
        .orElseGet(() -> "webhook-" + UUID.randomUUID());
    ClusterAudit audit = new ClusterAudit(client, new InjectionAudit(mutator, excluded), serviceAccounts::cached,
        auditResync, namespace, auditLease, identity, ClusterAudit.LeaseTiming.DEFAULT,
        EventBudget.defaults());
    serviceAccounts.onChange(audit::serviceAccountChanged);
    return audit;
  }

  /** What SIGTERM does, for in-process tests; returns once {@code serve} has stopped. */
  void stop() {
    Thread hook = shutdownHook;
    if (hook != null && Runtime.getRuntime().removeShutdownHook(hook)) {
      hook.run();
    }
  }

  /**
   * Creates or loads the shared certificates and blocks until the API server trusts them and the files exist: until
   * then there is nothing to serve, and the startup probe reports it. Failures are logged and retried meanwhile.
   */
  private SelfSignedCertificates startSelfSignedCertificates(KubernetesClient client) throws InterruptedException {
    SelfSignedCertificates certificates = new SelfSignedCertificates(client,
        selfSigned.toSettings(tlsCertFile, tlsKeyFile, client.getNamespace()), Clock.systemUTC());
    certificates.start(selfSigned.checkInterval());
    while (!certificates.awaitFirstReconcile(Duration.ofSeconds(30))) {
      LOG.warn("still waiting for the self-signed certificates; the HTTPS port opens once they exist");
    }
    return certificates;
  }

  private static void closeQuietly(SelfSignedCertificates certificates) {
    if (certificates != null) {
      certificates.close();
    }
  }

  private Config kubernetesConfig() throws IOException {
    if (kubeconfig == null) {
      return Config.autoConfigure(null);
    }
    if (!Files.isReadable(kubeconfig)) {
      throw new IOException(kubeconfig + ": no such file or not readable");
    }
    return Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
  }

  private void checkLookupOptions() {
    if (serviceAccountLookupTimeout.isZero() || serviceAccountLookupTimeout.isNegative()) {
      throw new IllegalArgumentException("--serviceaccount-lookup-timeout must be positive, got "
          + DurationConverter.text(serviceAccountLookupTimeout));
    }
    if (!(serviceAccountDirectReadsPerSecond >= 0) || Double.isInfinite(serviceAccountDirectReadsPerSecond)) {
      throw new IllegalArgumentException("--serviceaccount-direct-reads-per-second must be 0 or more, got "
          + BigDecimal.valueOf(serviceAccountDirectReadsPerSecond).stripTrailingZeros().toPlainString());
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
