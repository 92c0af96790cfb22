package dev.gcpwif.webhook.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.gcpwif.webhook.cli.UsageErrorHandler;
import picocli.CommandLine;

/**
 * {@code serve --self-signed-certs} against the fabric8 mock API server, reached through a kubeconfig as in a real
 * deployment; the client is the API server: it trusts only the caBundle and dials the Service's DNS name.
 */
@EnableKubernetesMockClient(crud = true)
class ServeSelfSignedTest {
  private static final String NAMESPACE = "gcp-wif-system";
  private static final String SERVICE_HOST = "gcp-wif-webhook." + NAMESPACE + ".svc";

  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir Path dir;
  private final ServeCommand serve = new ServeCommand();
  private final StringWriter err = new StringWriter();
  private CompletableFuture<Integer> exitCode;

  @BeforeEach
  void createWebhookConfiguration() {
    client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(
        new MutatingWebhookConfigurationBuilder().withNewMetadata().withName("gcp-wif-webhook").endMetadata()
            .addNewWebhook().withName("pods.gcp-wif.dev").withNewClientConfig().withNewService()
            .withName("gcp-wif-webhook").withNamespace(NAMESPACE).withPath("/mutate").withPort(443).endService()
            .endClientConfig().endWebhook().build()).create();
  }

  @AfterEach
  void stop() throws Exception {
    serve.stop();
    if (exitCode != null) {
      assertThat(exitCode.get(30, TimeUnit.SECONDS)).as("exit code; stderr: %s", err).isZero();
    }
  }

  @Test
  void startsWithTheSecretCreatedAndServesACertificateTheCaBundleTrustsForTheServiceName() throws Exception {
    Path cert = dir.resolve("tls/tls.crt");
    Path key = dir.resolve("tls/tls.key");
    start("--self-signed-certs", "--service-namespace=" + NAMESPACE, "--tls-cert-file=" + cert,
        "--tls-key-file=" + key);

    await().atMost(Duration.ofSeconds(30)).until(() -> serve.listeningPort > 0 || exitCode.isDone());
    assertThat(exitCode).as("stderr: %s", err).isNotDone();
    Secret secret = client.secrets().inNamespace(NAMESPACE).withName("gcp-wif-webhook-tls").get();
    assertThat(secret).isNotNull();
    assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(secret.getData()).containsKeys("tls.crt", "tls.key", "ca.crt", "ca.key");
    assertThat(Files.exists(cert)).isTrue();
    assertThat(Files.exists(key)).isTrue();

    List<X509Certificate> caBundle = caBundle();
    assertThat(caBundle).hasSize(1);
    OkHttpClient apiServer = clientTrustingOnly(caBundle);
    try (Response response = apiServer.newCall(new Request.Builder()
        .url("https://" + SERVICE_HOST + ":" + serve.listeningPort + "/healthz").build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.handshake().peerCertificates().get(0)).isInstanceOfSatisfying(X509Certificate.class,
          served -> assertThat(served.getIssuerX500Principal()).isEqualTo(caBundle.get(0).getSubjectX500Principal()));
    }
    // Hostname verification is on: the same server under a name the certificate does not carry is refused.
    assertThatThrownBy(() -> apiServer.newCall(new Request.Builder()
        .url("https://other." + NAMESPACE + ".svc:" + serve.listeningPort + "/healthz").build()).execute())
        .isInstanceOf(SSLPeerUnverifiedException.class);
    apiServer.connectionPool().evictAll();
  }

  @Test
  void invalidSelfSignedFlagIsAOneLineErrorBeforeAnythingIsWritten() {
    start("--self-signed-certs", "--service-namespace=Not_A_Namespace", "--tls-cert-file=" + dir.resolve("c"),
        "--tls-key-file=" + dir.resolve("k"));

    assertThat(exitCode.join()).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: --service-namespace: 'Not_A_Namespace' is not a namespace")
        .doesNotContain("Exception");
    assertThat(client.secrets().inNamespace(NAMESPACE).list().getItems()).isEmpty();
    exitCode = null;
  }

  @Test
  void twoReplicasStartingTogetherServeCertificatesOfOneCa() throws Exception {
    ServeCommand second = new ServeCommand();
    StringWriter secondErr = new StringWriter();
    start("--self-signed-certs", "--service-namespace=" + NAMESPACE, "--tls-cert-file=" + dir.resolve("a/tls.crt"),
        "--tls-key-file=" + dir.resolve("a/tls.key"));
    CompletableFuture<Integer> secondExit = launch(second, secondErr, "--self-signed-certs",
        "--service-namespace=" + NAMESPACE, "--tls-cert-file=" + dir.resolve("b/tls.crt"),
        "--tls-key-file=" + dir.resolve("b/tls.key"));
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> (serve.listeningPort > 0 || exitCode.isDone())
          && (second.listeningPort > 0 || secondExit.isDone()));
      assertThat(exitCode).as("stderr: %s", err).isNotDone();
      assertThat(secondExit).as("stderr: %s", secondErr).isNotDone();

      List<X509Certificate> caBundle = caBundle();
      assertThat(caBundle).hasSize(1);
      assertThat(Files.readString(dir.resolve("a/tls.crt"))).isEqualTo(Files.readString(dir.resolve("b/tls.crt")));
      OkHttpClient apiServer = clientTrustingOnly(caBundle);
      for (int port : new int[] {serve.listeningPort, second.listeningPort}) {
        try (Response response = apiServer.newCall(new Request.Builder()
            .url("https://" + SERVICE_HOST + ":" + port + "/healthz").build()).execute()) {
          assertThat(response.code()).as("replica on port %s", port).isEqualTo(200);
        }
      }
      apiServer.connectionPool().evictAll();
    } finally {
      second.stop();
      assertThat(secondExit.get(30, TimeUnit.SECONDS)).as("stderr: %s", secondErr).isZero();
    }
  }

  @Test
  void theAuditIsOnByDefaultItTakesTheLeaseInItsNamespaceAndWatchesPods() throws Exception {
    start("--self-signed-certs", "--service-namespace=" + NAMESPACE, "--tls-cert-file=" + dir.resolve("tls.crt"),
        "--tls-key-file=" + dir.resolve("tls.key"));
    await().atMost(Duration.ofSeconds(30)).until(() -> serve.listeningPort > 0 || exitCode.isDone());

    // The kubeconfig's namespace stands for the webhook's own (in a cluster: its ServiceAccount's).
    await().atMost(Duration.ofSeconds(15)).until(() ->
        client.leases().inNamespace("default").withName("gcp-wif-webhook-audit").get() != null);
    await().atMost(Duration.ofSeconds(15)).until(() -> requestPaths().stream().anyMatch(p -> p.startsWith("/api/v1/pods")));
  }

  @Test
  void auditPodsFalseOpensNoPodWatchAndTakesNoLease() throws Exception {
    start("--self-signed-certs", "--service-namespace=" + NAMESPACE, "--tls-cert-file=" + dir.resolve("tls.crt"),
        "--tls-key-file=" + dir.resolve("tls.key"), "--audit-pods=false");
    await().atMost(Duration.ofSeconds(30)).until(() -> serve.listeningPort > 0 || exitCode.isDone());
    assertThat(exitCode).as("stderr: %s", err).isNotDone();
    // The ServiceAccount watch is what the audit would start alongside: once it is open, so would the audit's be.
    await().atMost(Duration.ofSeconds(15)).until(() -> requestPaths().stream().anyMatch(p -> p.contains("watch=true")));
    Thread.sleep(1000);

    assertThat(requestPaths()).noneMatch(p -> p.contains("/pods")).noneMatch(p -> p.contains("leases"));
    assertThat(client.leases().inNamespace("default").list().getItems()).isEmpty();
  }

  private final List<String> seenPaths = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Every request the mock API server received so far (drained from its queue into {@link #seenPaths}). */
  private List<String> requestPaths() throws InterruptedException {
    io.fabric8.mockwebserver.http.RecordedRequest request;
    while ((request = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      seenPaths.add(request.getPath());
    }
    return seenPaths;
  }

  private void start(String... selfSignedArgs) {
    exitCode = launch(serve, err, selfSignedArgs);
  }

  /** Runs {@code serve} on its own thread, as its own process would, with the mock API server as the cluster. */
  private CompletableFuture<Integer> launch(ServeCommand command, StringWriter errors, String... selfSignedArgs) {
    Path kubeconfig = writeKubeconfig();
    List<String> args = new java.util.ArrayList<>(List.of("--address=127.0.0.1", "--port=0",
        "--kubeconfig=" + kubeconfig, "--shutdown-delay=0s", "--shutdown-grace=5s", "--cert-reload-interval=1s"));
    args.addAll(List.of(selfSignedArgs));
    CommandLine cli = new CommandLine(command);
    cli.setParameterExceptionHandler(new UsageErrorHandler("java -jar webhook.jar"));
    cli.setErr(new PrintWriter(errors, true));
    return CompletableFuture.supplyAsync(() -> cli.execute(args.toArray(String[]::new)),
        runnable -> new Thread(runnable, "serve").start());
  }

  private Path writeKubeconfig() {
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
          - name: mock
            cluster:
              server: %s
              insecure-skip-tls-verify: true
        users:
          - name: mock
            user:
              token: not-a-real-token
        contexts:
          - name: mock
            context:
              cluster: mock
              user: mock
              namespace: default
        current-context: mock
        """.formatted(client.getMasterUrl());
    try {
      return Files.writeString(dir.resolve("kubeconfig"), yaml);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private List<X509Certificate> caBundle() throws Exception {
    MutatingWebhookConfiguration configuration = client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName("gcp-wif-webhook").get();
    String base64 = configuration.getWebhooks().get(0).getClientConfig().getCaBundle();
    assertThat(base64).as("caBundle patched by serve").isNotBlank();
    return CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(Base64.getDecoder().decode(base64))).stream()
        .map(X509Certificate.class::cast).toList();
  }

  /** Like the API server: trusts the caBundle alone, dials the Service name (resolved here to loopback). */
  private static OkHttpClient clientTrustingOnly(List<X509Certificate> authorities) {
    HandshakeCertificates.Builder trust = new HandshakeCertificates.Builder();
    authorities.forEach(trust::addTrustedCertificate);
    HandshakeCertificates certificates = trust.build();
    return new OkHttpClient.Builder()
        .sslSocketFactory(certificates.sslSocketFactory(), certificates.trustManager())
        .dns(hostname -> {
          if (hostname.endsWith("." + NAMESPACE + ".svc")) {
            return List.of(InetAddress.getLoopbackAddress());
          }
          throw new java.net.UnknownHostException(hostname + ": only Service names resolve in this test");
        })
        .callTimeout(Duration.ofSeconds(20))
        .build();
  }
}
