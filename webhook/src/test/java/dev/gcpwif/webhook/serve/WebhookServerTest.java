package dev.gcpwif.webhook.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.serviceaccount.ServiceAccountLookupException;
import dev.gcpwif.webhook.testing.TestMutations;
import dev.gcpwif.webhook.testing.TestTls;
import dev.gcpwif.webhook.testing.TestTls.KeyKind;
import dev.gcpwif.webhook.tls.ReloadingServerTls;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The server as the API server, kubelet and Prometheus see it: over real TLS with a certificate made here. */
class WebhookServerTest {
  private static final MediaType JSON = MediaType.get("application/json");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final TestTls TLS = new TestTls();

  @TempDir Path dir;
  private final AtomicBoolean ready = new AtomicBoolean(true);
  private final WebhookMetrics metrics = new WebhookMetrics();
  private ReloadingServerTls tls;
  private WebhookServer server;
  private final OkHttpClient client = TLS.client();

  @AfterEach
  void stop() {
    if (server != null) {
      client.connectionPool().evictAll(); // idle keep-alive connections would hold up the graceful stop
      server.close();
    }
    if (tls != null) {
      tls.close();
    }
  }

  private void start(KeyKind kind, AdmissionHandler handler) throws Exception {
    TestTls.write(TLS.leaf(kind, "webhook"), kind, dir.resolve("tls.crt"), dir.resolve("tls.key"));
    tls = new ReloadingServerTls(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    server = new WebhookServer("127.0.0.1", 0, tls, handler, ready::get, metrics, Duration.ofSeconds(5)).start();
  }

  private void start(KeyKind kind) throws Exception {
    start(kind, new AdmissionHandler(TestMutations.annotateWhenOptedIn(),
        (ns, name) -> Optional.of(TestMutations.optedIn(ns, name)), "cloud.google.com", SERIALIZATION));
  }

  private String url(String path) {
    return "https://localhost:" + server.port() + path;
  }

  private Response post(String body, String contentType) throws IOException {
    return client.newCall(new Request.Builder().url(url("/mutate"))
        .post(RequestBody.create(body.getBytes(StandardCharsets.UTF_8), contentType == null ? null : MediaType.get(contentType)))
        .build()).execute();
  }

  @ParameterizedTest
  @EnumSource(KeyKind.class)
  void admissionOverTlsReturnsPatchWithEchoedUid(KeyKind kind) throws Exception {
    start(kind);

    try (Response response = post(resource("pod-create-from-replicaset.json"), "application/json")) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.header("Content-Type")).startsWith("application/json");
      assertThat(response.handshake().tlsVersion().javaName()).isIn("TLSv1.3", "TLSv1.2");
      assertThat(((X509Certificate) response.handshake().peerCertificates().get(0)).getSubjectX500Principal().getName())
          .isEqualTo("CN=webhook");
      AdmissionReview review = SERIALIZATION.unmarshal(response.body().string(), AdmissionReview.class);
      assertThat(review.getApiVersion()).isEqualTo("admission.k8s.io/v1");
      assertThat(review.getKind()).isEqualTo("AdmissionReview");
      assertThat(review.getResponse().getUid()).isEqualTo("0df28fbd-5f5f-11e8-bc74-36e6bb280816");
      assertThat(review.getResponse().getAllowed()).isTrue();
      assertThat(review.getResponse().getPatchType()).isEqualTo("JSONPatch");
      assertThat(new String(Base64.getDecoder().decode(review.getResponse().getPatch()), StandardCharsets.UTF_8))
          .contains("\"path\":\"/metadata/annotations\"").contains("payments/billing");
    }
  }

  @Test
  void anAnswerIsNotCompressedEvenWhenTheApiServerAsksForGzip() throws Exception {
    WebhookSettings settings = WebhookSettings.defaults(); // the real mutation: an answer of several KB
    start(KeyKind.EC_PKCS8, new AdmissionHandler(new PodMutator(settings)::mutateOwnCopy,
        (ns, name) -> Optional.of(TestMutations.optedIn(ns, name)), settings.annotationPrefix(), SERIALIZATION));

    try (Response response = client.newCall(new Request.Builder().url(url("/mutate"))
        .header("Accept-Encoding", "gzip") // set by hand, okhttp leaves the answer as it came
        .post(RequestBody.create(resource("pod-create-from-replicaset.json").getBytes(StandardCharsets.UTF_8), JSON))
        .build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.header("Content-Encoding")).isNull();
      String answer = response.body().string();
      assertThat(answer.length()).as("above Javalin's 1,500-byte compression threshold").isGreaterThan(1500);
      assertThat(SERIALIZATION.unmarshal(answer, AdmissionReview.class).getResponse().getPatchType())
          .isEqualTo("JSONPatch");
    }
  }

  @Test
  void theGoWebhooksPathMutateV1PodGivesTheSameAnswerAsMutate() throws Exception {
    start(KeyKind.EC_PKCS8);
    String body = resource("pod-create-from-replicaset.json");

    String viaMutate;
    try (Response response = post(body, "application/json")) {
      viaMutate = response.body().string();
    }
    try (Response response = client.newCall(new Request.Builder().url(url("/mutate-v1-pod"))
        .post(RequestBody.create(body.getBytes(StandardCharsets.UTF_8), MediaType.get("application/json")))
        .build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).isEqualTo(viaMutate).contains("\"patchType\":\"JSONPatch\"");
    }
  }

  @Test
  void rotatedCertificateIsPresentedToNewConnections() throws Exception {
    start(KeyKind.RSA_PKCS1);
    tls.startPolling(Duration.ofMillis(100));
    assertThat(servedCertificate()).isEqualTo(certificateIn("tls.crt"));

    HeldCertificate rotated = TLS.leaf(KeyKind.EC_PKCS8, "webhook-rotated");
    TestTls.write(rotated, KeyKind.EC_PKCS8, dir.resolve("tls.crt"), dir.resolve("tls.key"));

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(servedCertificate())
        .isEqualTo(rotated.certificate()));
    try (Response response = client.newCall(new Request.Builder().url(url("/metrics")).build()).execute()) {
      assertThat(response.body().string()).contains("webhook_tls_certificate_reloads_total 1");
    }
  }

  @Test
  void malformedBodiesGet400WithAReasonAndNoStackTrace() throws Exception {
    start(KeyKind.EC_PKCS8);

    Map<String, String> bodies = Map.of(
        "{not json", "body is not valid JSON",
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}", "expected apiVersion admission.k8s.io/v1 and kind AdmissionReview",
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", "AdmissionReview has no request");
    for (var entry : bodies.entrySet()) {
      try (Response response = post(entry.getKey(), "application/json")) {
        String text = response.body().string();
        assertThat(response.code()).as(entry.getKey()).isEqualTo(400);
        assertThat(text).startsWith(entry.getValue()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(response.header("Content-Type")).startsWith("text/plain");
      }
    }
    try (Response response = client.newCall(new Request.Builder().url(url("/metrics")).build()).execute()) {
      assertThat(response.body().string()).contains("webhook_rejected_requests_total 3");
    }
  }

  @Test
  void nonJsonContentTypeGets415() throws Exception {
    start(KeyKind.EC_PKCS8);

    try (Response response = post(resource("pod-create-from-replicaset.json"), "text/plain")) {
      assertThat(response.code()).isEqualTo(415);
      assertThat(response.body().string()).startsWith("Content-Type must be application/json, got text/plain");
    }
  }

  @Test
  void oversizedBodyGets413WithoutBeingParsed() throws Exception {
    start(KeyKind.EC_PKCS8);

    String huge = "{\"padding\":\"" + "x".repeat(MutateEndpoint.MAX_BODY_BYTES) + "\"}";
    try (Response response = post(huge, "application/json")) {
      assertThat(response.code()).isEqualTo(413);
      assertThat(response.body().string()).contains("exceeds the limit of " + MutateEndpoint.MAX_BODY_BYTES);
    }
  }

  @Test
  void getOnMutateIsNotAllowed() throws Exception {
    start(KeyKind.EC_PKCS8);

    try (Response response = client.newCall(new Request.Builder().url(url("/mutate")).build()).execute()) {
      assertThat(response.code()).isEqualTo(405);
    }
  }

  @Test
  void extraRoutesAreServedOnTheSameTlsListenerNextToMutate() throws Exception {
    TestTls.write(TLS.leaf(KeyKind.EC_PKCS8, "webhook"), KeyKind.EC_PKCS8, dir.resolve("tls.crt"), dir.resolve("tls.key"));
    tls = new ReloadingServerTls(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    server = new WebhookServer("127.0.0.1", 0, tls, new AdmissionHandler(TestMutations.annotateWhenOptedIn(),
        (ns, name) -> Optional.of(TestMutations.optedIn(ns, name)), "cloud.google.com", SERIALIZATION), ready::get,
        metrics, Duration.ofSeconds(5), routes -> routes.post("/fixed", ctx -> ctx.result("fixed answer"))).start();

    try (Response fixed = client.newCall(new Request.Builder().url(url("/fixed"))
        .post(RequestBody.create(new byte[0], JSON)).build()).execute()) {
      assertThat(fixed.code()).isEqualTo(200);
      assertThat(fixed.body().string()).isEqualTo("fixed answer");
    }
    try (Response response = post(resource("pod-create-from-replicaset.json"), "application/json")) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).contains("\"patchType\":\"JSONPatch\"");
    }
  }

  @Test
  void serviceAccountLookupFailureGets503SoThatFailurePolicyApplies() throws Exception {
    start(KeyKind.EC_PKCS8, new AdmissionHandler(TestMutations.annotateWhenOptedIn(), (ns, name) -> {
      throw new ServiceAccountLookupException("cannot read ServiceAccount " + ns + "/" + name + " (HTTP 0)", null);
    }, "cloud.google.com", SERIALIZATION));

    try (Response response = post(resource("pod-create-from-replicaset.json"), "application/json")) {
      assertThat(response.code()).isEqualTo(503);
      assertThat(response.body().string()).isEqualTo("cannot read ServiceAccount payments/billing (HTTP 0)\n");
    }
    assertThat(metrics.render()).contains("webhook_admissions_total{outcome=\"error\",mode=\"none\",dry_run=\"false\"} 1");
  }

  @Test
  void mutationBugGets500WithoutDetails() throws Exception {
    start(KeyKind.EC_PKCS8, new AdmissionHandler((pod, sa) -> {
      throw new IllegalStateException("secret-looking detail");
    }, (ns, name) -> Optional.empty(), "cloud.google.com", SERIALIZATION));

    try (Response response = post(resource("pod-create-from-replicaset.json"), "application/json")) {
      assertThat(response.code()).isEqualTo(500);
      assertThat(response.body().string()).isEqualTo(
          "internal error in the webhook; see its log for uid 0df28fbd-5f5f-11e8-bc74-36e6bb280816\n");
    }
  }

  @Test
  void healthzIsUpAndReadyzFollowsReadinessAndShutdown() throws Exception {
    ready.set(false);
    start(KeyKind.EC_PKCS8);

    assertThat(get("/healthz")).isEqualTo("200 ok\n");
    assertThat(get("/readyz")).isEqualTo("503 ServiceAccount cache not synced yet\n");
    ready.set(true);
    assertThat(get("/readyz")).isEqualTo("200 ok\n");
    server.markStopping();
    assertThat(get("/readyz")).isEqualTo("503 shutting down\n");
    assertThat(get("/healthz")).isEqualTo("200 ok\n");
  }

  @Test
  void metricsCountAdmissionsByOutcomeAndDryRun() throws Exception {
    start(KeyKind.EC_PKCS8);
    String review = resource("pod-create-from-replicaset.json");
    post(review, "application/json").close();
    post(review.replace("\"dryRun\": false", "\"dryRun\": true"), "application/json").close();
    post(resource("pod-update.json"), "application/json; charset=utf-8").close();

    try (Response response = client.newCall(new Request.Builder().url(url("/metrics")).build()).execute()) {
      assertThat(response.header("Content-Type")).startsWith("text/plain; version=0.0.4");
      String text = response.body().string();
      assertThat(text)
          .contains("webhook_admissions_total{outcome=\"mutated\",mode=\"direct\",dry_run=\"false\"} 1\n")
          .contains("webhook_admissions_total{outcome=\"mutated\",mode=\"direct\",dry_run=\"true\"} 1\n")
          .contains("webhook_admissions_total{outcome=\"unchanged\",mode=\"none\",dry_run=\"false\"} 1\n")
          .contains("webhook_admission_duration_seconds_count 3\n");
    }
  }

  private String get(String path) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url(path)).build()).execute()) {
      return response.code() + " " + response.body().string();
    }
  }

  /** The leaf presented on a brand-new TLS connection. */
  private X509Certificate servedCertificate() throws IOException {
    try (Response response = TLS.client().newCall(new Request.Builder().url(url("/healthz")).build()).execute()) {
      return (X509Certificate) response.handshake().peerCertificates().get(0);
    }
  }

  private X509Certificate certificateIn(String name) throws Exception {
    try (InputStream in = java.nio.file.Files.newInputStream(dir.resolve(name))) {
      return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  static String resource(String name) throws IOException {
    try (InputStream in = WebhookServerTest.class.getResourceAsStream("/admission/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
