package dev.gcpwif.webhook.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.testsupport.MutableClock;
import dev.gcpwif.webhook.tls.Pem;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@EnableKubernetesMockClient(crud = true)
class SelfSignedCertificatesTest {

  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final String SECRET_PATH = "/api/v1/namespaces/gcp-wif-system/secrets/gcp-wif-webhook-tls";
  private static final String CONFIG_PATH =
      "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/gcp-wif-webhook";
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir Path directory;
  private final MutableClock clock = new MutableClock(START);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void installWebhookConfiguration() {
    client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(webhookConfiguration()).create();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
  }

  @Test
  void twoReplicasCreatingAtOnceEndWithOneCa() throws Exception {
    // Both replicas hold at the barrier after reading "no Secret" and minting a CA, so both really try to create.
    CyclicBarrier bothMinted = new CyclicBarrier(2);
    SelfSignedCertificates first = replica(client, "a", new PausingIssuer(bothMinted, true, false));
    SelfSignedCertificates second = replica(server.createClient(), "b", new PausingIssuer(bothMinted, true, false));

    List<TlsBundle> results = runTogether(first::reconcileOnce, second::reconcileOnce);

    TlsBundle stored = TlsBundle.fromSecretData(storedSecret().getData());
    assertThat(results).allSatisfy(bundle -> {
      assertThat(bundle.authority().certificate()).isEqualTo(stored.authority().certificate());
      assertThat(bundle.serving().certificate()).isEqualTo(stored.serving().certificate());
    });
    assertThat(caBundleCertificates()).containsExactly(stored.authority().certificate());
    assertThat(Files.readString(directory.resolve("a/tls.crt"))).isEqualTo(Files.readString(directory.resolve("b/tls.crt")));
  }

  @Test
  void twoReplicasRenewingAtOnceEndWithOneServingCertificate() throws Exception {
    TlsBundle initial = replica(client, "a", new CertificateIssuer()).reconcileOnce();
    clock.advance(Duration.ofDays(61));
    CyclicBarrier bothMinted = new CyclicBarrier(2);
    SelfSignedCertificates first = replica(client, "a", new PausingIssuer(bothMinted, false, true));
    SelfSignedCertificates second = replica(server.createClient(), "b", new PausingIssuer(bothMinted, false, true));

    List<TlsBundle> results = runTogether(first::reconcileOnce, second::reconcileOnce);

    TlsBundle stored = TlsBundle.fromSecretData(storedSecret().getData());
    assertThat(stored.serving().certificate()).isNotEqualTo(initial.serving().certificate());
    assertThat(results).allSatisfy(bundle ->
        assertThat(bundle.serving().certificate()).isEqualTo(stored.serving().certificate()));
    assertThat(stored.authority().certificate()).isEqualTo(initial.authority().certificate());
  }

  @Test
  void aReplicaStartingLaterUsesTheStoredCertificatesWithoutMintingAny() throws Exception {
    TlsBundle created = replica(client, "a", new CertificateIssuer()).reconcileOnce();
    String resourceVersion = storedSecret().getMetadata().getResourceVersion();

    TlsBundle loaded = replica(server.createClient(), "b", new RefusingIssuer()).reconcileOnce();

    assertThat(loaded.authority().certificate()).isEqualTo(created.authority().certificate());
    assertThat(loaded.serving().certificate()).isEqualTo(created.serving().certificate());
    assertThat(storedSecret().getMetadata().getResourceVersion()).isEqualTo(resourceVersion);
    assertThat(Files.readString(directory.resolve("b/tls.key"))).isEqualTo(created.servingKeyPem());
  }

  @Test
  void storesTheBundleInAKubernetesTlsSecret() throws Exception {
    replica(client, "a", new CertificateIssuer()).reconcileOnce();

    Secret secret = storedSecret();
    assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(secret.getData()).containsOnlyKeys("tls.crt", "tls.key", "ca.crt", "ca.key");
    assertThat(secret.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "gcp-wif-webhook");
  }

  @Test
  void writesAServingPairTheJdkLoadsAndThatChainsToTheCaBundle() throws Exception {
    replica(client, "a", new CertificateIssuer()).reconcileOnce();

    Path certFile = directory.resolve("a/tls.crt");
    Path keyFile = directory.resolve("a/tls.key");
    X509Certificate certificate;
    try (var in = Files.newInputStream(certFile)) {
      certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    String keyPem = Files.readString(keyFile);
    byte[] der = Base64.getMimeDecoder().decode(keyPem
        .replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", ""));
    PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));

    assertThat(RenewalPolicy.dnsNames(certificate)).containsExactlyInAnyOrder(
        "gcp-wif-webhook", "gcp-wif-webhook.gcp-wif-system", "gcp-wif-webhook.gcp-wif-system.svc",
        "gcp-wif-webhook.gcp-wif-system.svc.cluster.local");
    assertThat(certificate.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
    assertThat(new CertifiedKey(certificate, key).keyMatchesCertificate()).isTrue();
    X509Certificate trusted = caBundleCertificates().get(0);
    assertThat(CertificateIssuerTest.pkixValidates(certificate, trusted, START)).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
    try (var leftovers = Files.list(directory.resolve("a"))) {
      assertThat(leftovers.map(path -> path.getFileName().toString())).containsExactlyInAnyOrder("tls.crt", "tls.key");
    }
  }

  @Test
  void renewsTheServingCertificateWhenTheClockPassesRenewBefore() throws Exception {
    SelfSignedCertificates replica = replica(client, "a", new CertificateIssuer());
    TlsBundle initial = replica.reconcileOnce();
    String configVersion = webhookConfigurationVersion();

    clock.advance(Duration.ofDays(59));
    assertThat(replica.reconcileOnce().serving()).isEqualTo(initial.serving());
    clock.advance(Duration.ofDays(2));
    TlsBundle renewed = replica.reconcileOnce();

    assertThat(renewed.serving().certificate()).isNotEqualTo(initial.serving().certificate());
    assertThat(renewed.serving().notAfter()).isEqualTo(START.plus(Duration.ofDays(61 + 90)));
    assertThat(renewed.authority()).isEqualTo(initial.authority());
    assertThat(webhookConfigurationVersion()).as("caBundle untouched").isEqualTo(configVersion);
    assertThat(Files.readString(directory.resolve("a/tls.crt"))).isEqualTo(renewed.servingCertificatePem());
  }

  @Test
  void rotatesTheCaTrustingOldAndNewUntilTheOldOneExpires() throws Exception {
    SelfSignedCertificates replica = replica(client, "a", new CertificateIssuer());
    TlsBundle initial = replica.reconcileOnce();
    X509Certificate oldCa = initial.authority().certificate();

    clock.advance(Duration.ofDays(3650 - 365 + 1));
    TlsBundle rotated = replica.reconcileOnce();
    X509Certificate newCa = rotated.authority().certificate();

    assertThat(newCa).isNotEqualTo(oldCa);
    assertThat(caBundleCertificates()).containsExactly(newCa, oldCa);
    assertThat(CertificateIssuerTest.pkixValidates(rotated.serving().certificate(), newCa, clock.instant())).isTrue();
    assertThat(TlsBundle.fromSecretData(storedSecret().getData()).retiredAuthorities()).containsExactly(oldCa);

    clock.advance(Duration.ofDays(365));
    replica.reconcileOnce();

    assertThat(caBundleCertificates()).containsExactly(newCa);
    assertThat(storedSecret().getData()).doesNotContainKey("ca-retired.crt");
  }

  @Test
  void patchesTheCaBundleOnlyWhenItDiffers() throws Exception {
    SelfSignedCertificates replica = replica(client, "a", new CertificateIssuer());
    TlsBundle bundle = replica.reconcileOnce();
    String afterFirst = webhookConfigurationVersion();

    replica.reconcileOnce();
    assertThat(webhookConfigurationVersion()).isEqualTo(afterFirst);

    // Someone (a GitOps sync, a re-apply) clears one webhook's caBundle: the next check puts it back.
    MutatingWebhookConfiguration tampered = client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName("gcp-wif-webhook").get();
    tampered.getWebhooks().get(1).getClientConfig().setCaBundle(null);
    client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(tampered).update();
    replica.reconcileOnce();

    MutatingWebhookConfiguration repaired = client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName("gcp-wif-webhook").get();
    assertThat(repaired.getWebhooks()).extracting(webhook -> webhook.getClientConfig().getCaBundle())
        .containsOnly(bundle.caBundleBase64());
    assertThat(repaired.getWebhooks()).extracting(MutatingWebhook::getName)
        .containsExactly("pods.gcp-wif.dev", "second.gcp-wif.dev");
    assertThat(repaired.getWebhooks().get(0).getClientConfig().getService().getPath()).isEqualTo("/mutate");
  }

  @Test
  void replacesASecretItCannotUseSuchAsOneLeftByCertManager() throws Exception {
    client.secrets().inNamespace("gcp-wif-system").resource(new SecretBuilder()
        .withNewMetadata().withName("gcp-wif-webhook-tls").withNamespace("gcp-wif-system").endMetadata()
        .withType("kubernetes.io/tls")
        .withData(Map.of("tls.crt", "bm90IGEgY2VydA==", "tls.key", "bm90IGEga2V5"))
        .build()).create();

    TlsBundle bundle = replica(client, "a", new CertificateIssuer()).reconcileOnce();

    assertThat(TlsBundle.fromSecretData(storedSecret().getData()).authority()).isEqualTo(bundle.authority());
  }

  @Test
  void aForbiddenSecretReadNamesTheMissingPermissionAndTheNextAttemptRecovers() {
    server.expect().get().withPath(SECRET_PATH).andReturn(403, forbidden("get", "secrets")).once();
    SelfSignedCertificates replica = replica(client, "a", new CertificateIssuer());

    assertThatThrownBy(replica::reconcileOnce)
        .isInstanceOfSatisfying(MissingPermissionException.class, e -> {
          assertThat(e.verb()).isEqualTo("get");
          assertThat(e.resource()).isEqualTo("secrets");
        })
        .hasMessage("the webhook's ServiceAccount may not get secrets \"gcp-wif-webhook-tls\" in namespace "
            + "\"gcp-wif-system\" (HTTP 403 Forbidden); grant it {verbs: [\"get\"], resources: [\"secrets\"], "
            + "resourceNames: [\"gcp-wif-webhook-tls\"]} in a Role of namespace \"gcp-wif-system\" "
            + "(deploy/overlays/self-signed has the rules)");
    assertThat(directory.resolve("a/tls.crt")).doesNotExist();

    replica.reconcileOnce();
    assertThat(directory.resolve("a/tls.crt")).exists();
  }

  @Test
  void aForbiddenSecretCreateSaysCreateCannotBeLimitedByName() {
    server.expect().post().withPath("/api/v1/namespaces/gcp-wif-system/secrets")
        .andReturn(403, forbidden("create", "secrets")).once();

    assertThatThrownBy(replica(client, "a", new CertificateIssuer())::reconcileOnce)
        .isInstanceOf(MissingPermissionException.class)
        .hasMessageContaining("may not create secrets")
        .hasMessageContaining("{verbs: [\"create\"], resources: [\"secrets\"]}");
  }

  @Test
  void aForbiddenCaBundlePatchLeavesTheFilesUnwritten() {
    server.expect().patch().withPath(CONFIG_PATH)
        .andReturn(403, forbidden("patch", "mutatingwebhookconfigurations")).always();

    assertThatThrownBy(replica(client, "a", new CertificateIssuer())::reconcileOnce)
        .isInstanceOf(MissingPermissionException.class)
        .hasMessageContaining("may not patch mutatingwebhookconfigurations \"gcp-wif-webhook\" (HTTP 403")
        .hasMessageContaining("in apiGroup \"admissionregistration.k8s.io\"")
        .hasMessageContaining("in a ClusterRole");
    assertThat(directory.resolve("a/tls.crt")).doesNotExist();
    assertThat(directory.resolve("a/tls.key")).doesNotExist();
  }

  @Test
  void aMissingWebhookConfigurationIsNamed() {
    client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("gcp-wif-webhook").delete();

    assertThatThrownBy(replica(client, "a", new CertificateIssuer())::reconcileOnce)
        .isInstanceOf(CertificateReconcileException.class)
        .hasMessageStartingWith("MutatingWebhookConfiguration \"gcp-wif-webhook\" does not exist");
  }

  @Test
  void theBackgroundLoopLogsOneLinePerFailureWithoutStackTraceAndRecovers() throws Exception {
    server.expect().get().withPath(SECRET_PATH).andReturn(403, forbidden("get", "secrets")).times(2);
    SelfSignedCertificates replica = new SelfSignedCertificates(client, TestSettings.in(directory.resolve("a"))
        .withFiles(directory.resolve("a/tls.crt"), directory.resolve("a/tls.key")), clock, new CertificateIssuer(),
        Duration.ofMillis(50));
    closeables.add(replica);
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    boolean reconciled;
    try {
      replica.start(Duration.ofMinutes(10));
      reconciled = replica.awaitFirstReconcile(Duration.ofSeconds(20));
    } finally {
      System.setErr(originalErr);
    }

    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(reconciled).isTrue();
    assertThat(log.lines().filter(line -> line.contains("may not get secrets"))).hasSize(2)
        .allSatisfy(line -> assertThat(line).contains("WARN").contains("retrying in"));
    assertThat(log).doesNotContain("\tat ").doesNotContain("KubernetesClientException");
    assertThat(directory.resolve("a/tls.crt")).exists();
  }

  @Test
  void retriesSoonerAfterFailuresButNeverLaterThanTheInterval() {
    Duration first = Duration.ofSeconds(5);
    assertThat(SelfSignedCertificates.retryDelay(first, 1, Duration.ofMinutes(10))).isEqualTo(Duration.ofSeconds(5));
    assertThat(SelfSignedCertificates.retryDelay(first, 3, Duration.ofMinutes(10))).isEqualTo(Duration.ofSeconds(20));
    assertThat(SelfSignedCertificates.retryDelay(first, 40, Duration.ofMinutes(10))).isEqualTo(Duration.ofMinutes(5));
    assertThat(SelfSignedCertificates.retryDelay(first, 40, Duration.ofMinutes(1))).isEqualTo(Duration.ofMinutes(1));
  }

  private SelfSignedCertificates replica(KubernetesClient kubernetes, String name, CertificateIssuer issuer) {
    SelfSignedSettings settings = TestSettings.in(directory)
        .withFiles(directory.resolve(name + "/tls.crt"), directory.resolve(name + "/tls.key"));
    SelfSignedCertificates replica = new SelfSignedCertificates(kubernetes, settings, clock, issuer,
        Duration.ofMillis(50));
    closeables.add(replica);
    return replica;
  }

  @SafeVarargs
  private static List<TlsBundle> runTogether(java.util.concurrent.Callable<TlsBundle>... replicas)
      throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(replicas.length);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<TlsBundle>> futures = new ArrayList<>();
      for (var replica : replicas) {
        futures.add(threads.submit(() -> {
          go.await();
          return replica.call();
        }));
      }
      go.countDown();
      List<TlsBundle> results = new ArrayList<>();
      for (Future<TlsBundle> future : futures) {
        results.add(future.get(60, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      threads.shutdownNow();
    }
  }

  private Secret storedSecret() {
    return client.secrets().inNamespace("gcp-wif-system").withName("gcp-wif-webhook-tls").get();
  }

  private String webhookConfigurationVersion() {
    return client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("gcp-wif-webhook").get()
        .getMetadata().getResourceVersion();
  }

  private List<X509Certificate> caBundleCertificates() throws Exception {
    MutatingWebhookConfiguration configuration = client.admissionRegistration().v1()
        .mutatingWebhookConfigurations().withName("gcp-wif-webhook").get();
    String first = configuration.getWebhooks().get(0).getClientConfig().getCaBundle();
    assertThat(configuration.getWebhooks()).allSatisfy(webhook ->
        assertThat(webhook.getClientConfig().getCaBundle()).isEqualTo(first));
    return Pem.decodeCertificates(new String(Base64.getDecoder().decode(first), StandardCharsets.US_ASCII));
  }

  private static MutatingWebhookConfiguration webhookConfiguration() {
    return new MutatingWebhookConfigurationBuilder()
        .withNewMetadata().withName("gcp-wif-webhook").endMetadata()
        .addNewWebhook().withName("pods.gcp-wif.dev").withAdmissionReviewVersions("v1").withSideEffects("None")
        .withNewClientConfig().withNewService().withName("gcp-wif-webhook").withNamespace("gcp-wif-system")
        .withPath("/mutate").withPort(443).endService().endClientConfig().endWebhook()
        .addNewWebhook().withName("second.gcp-wif.dev").withAdmissionReviewVersions("v1").withSideEffects("None")
        .withNewClientConfig().withNewService().withName("gcp-wif-webhook").withNamespace("gcp-wif-system")
        .withPath("/mutate").withPort(443).endService().endClientConfig().endWebhook()
        .build();
  }

  private static Status forbidden(String verb, String resource) {
    return new StatusBuilder().withStatus("Failure").withCode(403).withReason("Forbidden")
        .withMessage(resource + " is forbidden: User \"system:serviceaccount:gcp-wif-system:gcp-wif-webhook\" "
            + "cannot " + verb + " resource \"" + resource + "\"")
        .build();
  }

  /** Holds each replica's first mint at a shared barrier, so both have decided before either writes. */
  private static final class PausingIssuer extends CertificateIssuer {
    private final CyclicBarrier barrier;
    private final boolean pauseOnAuthority;
    private final boolean pauseOnServing;
    private final AtomicBoolean paused = new AtomicBoolean();

    PausingIssuer(CyclicBarrier barrier, boolean pauseOnAuthority, boolean pauseOnServing) {
      this.barrier = barrier;
      this.pauseOnAuthority = pauseOnAuthority;
      this.pauseOnServing = pauseOnServing;
    }

    @Override
    public CertifiedKey newAuthority(String prefix, Instant now, Duration validity) {
      CertifiedKey authority = super.newAuthority(prefix, now, validity);
      if (pauseOnAuthority) {
        pauseOnce();
      }
      return authority;
    }

    @Override
    public CertifiedKey newServingCertificate(CertifiedKey authority, List<String> names, Instant now,
        Duration validity) {
      CertifiedKey serving = super.newServingCertificate(authority, names, now, validity);
      if (pauseOnServing) {
        pauseOnce();
      }
      return serving;
    }

    private void pauseOnce() {
      if (paused.compareAndSet(false, true)) {
        try {
          barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new AssertionError("the other replica never reached the race", e);
        }
      }
    }
  }

  /** For a replica that must reuse what is stored. */
  private static final class RefusingIssuer extends CertificateIssuer {
    @Override
    public CertifiedKey newAuthority(String prefix, Instant now, Duration validity) {
      throw new AssertionError("minted a CA although one was stored");
    }

    @Override
    public CertifiedKey newServingCertificate(CertifiedKey authority, List<String> names, Instant now,
        Duration validity) {
      throw new AssertionError("minted a serving certificate although one was stored");
    }
  }
}
