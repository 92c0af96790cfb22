package dev.gcpwif.webhook.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.testsupport.ProcStatus;
import dev.gcpwif.webhook.admission.MutationSizeBound;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.testing.ServeProcess;
import dev.gcpwif.webhook.testing.TestTls;
import dev.gcpwif.webhook.testing.WebhookImage;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The largest pods the API server lets through (a 3 MiB request) admitted by {@code webhook.jar serve} in its own JVM
 * with the image's flags and the memory limit of the deploy, over HTTPS: each shape is answered in
 * bounded time with a patch that turns the submitted pod into the mutated one, and the replica keeps serving. An
 * OutOfMemoryError would end that JVM (ExitOnOutOfMemoryError), as it ends the replica in a cluster.
 */
@EnableKubernetesMockClient(crud = true)
class LargePodAdmissionIT {
  /** The deploy's memory limit, which the kernel enforces on the container's RSS. */
  private static final long LIMIT_MIB = WebhookImage.deployMemoryLimitMib();
  /**
   * Peak RSS must stay this far under the limit: page cache, the JVM's own growth and what was not measured here. The
   * peak varies by machine (335-340 MiB where this was written, 357 MiB on a CI machine), mostly in malloc'd memory NMT
   * does not see: the margin covers that spread.
   */
  private static final long MARGIN_MIB = 32;
  /** What kube-apiserver lets through; the webhook refuses more. */
  private static final int MAX_REVIEW_BYTES = 3 * 1024 * 1024;
  /**
   * Generous: each of these costs about a second of CPU; the shared 2-core machine this was written on ran at a load
   * average of 15, and answered in up to 16 s.
   */
  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final String PROVIDER =
      "projects/123456789/locations/global/workloadIdentityPools/onprem/providers/cluster-a";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");

  KubernetesClient client;
  @TempDir Path dir;
  private final TestTls tls = new TestTls();
  private ServeProcess webhook;
  private OkHttpClient http;
  private String base;

  @BeforeEach
  void startWebhook() throws Exception {
    client.serviceAccounts().inNamespace("big").resource(serviceAccount()).create();
    // The container's memory as the JVM would see it, then the image's own flags.
    List<String> jvm = new ArrayList<>(List.of("-XX:MaxRAM=" + LIMIT_MIB + "m"));
    jvm.addAll(WebhookImage.jvmFlags());
    webhook = ServeProcess.start(tls, client.getMasterUrl().toString(), dir, jvm, WebhookImage.environment(),
        List.of());
    http = tls.client().newBuilder().callTimeout(Duration.ofSeconds(120)).readTimeout(Duration.ofSeconds(120))
        .build();
    base = "https://localhost:" + webhook.port;
    webhook.awaitReady(() -> answers("/readyz"));
  }

  @AfterEach
  void stopWebhook() throws Exception {
    if (http != null) {
      http.connectionPool().evictAll();
    }
    if (webhook != null) {
      webhook.close();
    }
  }

  @Test
  void admitsEveryShapeOfA3MiBPodInBoundedTimeWithACorrectPatchAndKeepsServing() throws Exception {
    List<String> report = new ArrayList<>();
    admit(report, "one container, env vars", "direct", count -> pod(containers(1, i -> env(count))));
    admit(report, "one container, env vars, metadata mode", "metadata",
        count -> pod(containers(1, i -> env(count))));
    // Containers as a Deployment writes them (args, resources, a port), as many as may be injected (3 MiB would hold
    // about 13,000).
    admit(report, "containers", "direct", count -> pod(containers(count, i -> "\"args\":[\"--port=8080\","
        + "\"--log-level=info\",\"--config=/etc/app/config.yaml\"],\"resources\":{\"requests\":{\"cpu\":\"10m\","
        + "\"memory\":\"16Mi\"},\"limits\":{\"memory\":\"32Mi\"}},\"ports\":[{\"containerPort\":8080}]")),
        MutationSizeBound.MAX_INJECTED_CONTAINERS);
    // Minimal containers, about 60,000 in 3 MiB: injected, the pod would be some 40 MB, which no API server stores.
    // Denied before the mutation is built.
    denyTooWide(report);
    admit(report, "volumes", "direct", count -> pod(containers(1, i -> "") + ",\"volumes\":" + volumes(count)));
    admit(report, "volumeMounts", "direct", count -> pod(containers(1, i -> mounts(count))
        + ",\"volumes\":[{\"name\":\"data\",\"emptyDir\":{}}]"));
    concurrently(report, 4);

    // Still the same replica, still serving: a normal review and the probes.
    Review small = review(pod(containers(3, i -> env(2))), "direct");
    Answer answer = post(small.json());
    checkPatch(small, answer);
    assertThat(answers("/healthz")).isTrue();
    assertThat(webhook.process.isAlive()).as("webhook process alive; log:\n%s", webhook.logTail()).isTrue();
    long peakRssKib = ProcStatus.peakRssKib(webhook.process.pid());
    note(report, "webhook JVM peak RSS (VmHWM) " + peakRssKib / 1024 + " MiB; flags " + WebhookImage.jvmFlags() + " "
        + WebhookImage.environment());
    System.out.println("LargePodAdmissionIT:\n  " + String.join("\n  ", report));
    assertThat(peakRssKib / 1024).as("peak RSS (MiB) under the deploy's %d Mi limit less %d Mi", LIMIT_MIB, MARGIN_MIB)
        .isLessThan(LIMIT_MIB - MARGIN_MIB);
  }

  /** Printed at once too, so that a run cut short still shows how far it got. */
  private static void note(List<String> report, String line) {
    report.add(line);
    System.out.println("LargePodAdmissionIT: " + line);
  }

  private void denyTooWide(List<String> report) throws Exception {
    int count = largestFitting(count1 -> review(pod(containers(count1, i -> "")), "direct").json().length());
    Review review = review(pod(containers(count, i -> "")), "direct");
    long started = System.nanoTime();
    Answer answer = post(review.json());
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(webhook.process.isAlive()).as("webhook alive after the wide pod; log:\n%s", webhook.logTail()).isTrue();
    assertThat(answer.status()).as("wide pod: HTTP status; body %s", answer.abbreviated()).isEqualTo(200);
    JsonNode response = JSON.readTree(answer.body()).path("response");
    assertThat(response.path("allowed").asBoolean()).isFalse();
    assertThat(response.path("status").path("code").asInt()).isEqualTo(403);
    assertThat(response.path("status").path("message").asString())
        .contains(String.format("%,d containers", count)).contains("3 MiB");
    note(report, String.format("minimal containers: %,d (review %,d bytes) denied in %d ms: %s", count,
        review.json().length(), took.toMillis(), response.path("status").path("message").asString()));
    assertThat(took).as("wide pod: time to answer").isLessThan(BOUND);
  }

  /**
   * Several 3 MiB reviews at once, as an attacker would send them: each is admitted with a correct patch or told the
   * webhook is busy (503, for the failurePolicy), never an OutOfMemoryError; at least one gets through.
   */
  private void concurrently(List<String> report, int parallel) throws Exception {
    IntFunction<String> podOfCount = count -> pod(containers(1, i -> env(count)));
    int count = largestFitting(count1 -> review(podOfCount.apply(count1), "direct").json().length());
    Review review = review(podOfCount.apply(count), "direct");
    List<java.util.concurrent.CompletableFuture<Answer>> answers = new ArrayList<>();
    long started = System.nanoTime();
    var pool = java.util.concurrent.Executors.newFixedThreadPool(parallel);
    try {
      for (int i = 0; i < parallel; i++) {
        answers.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            return post(review.json());
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }, pool));
      }
      int admitted = 0;
      int busy = 0;
      for (var future : answers) {
        Answer answer = future.get(2 * BOUND.toSeconds(), TimeUnit.SECONDS);
        if (answer.status() == 503) {
          assertThat(answer.body()).startsWith("webhook busy: ");
          busy++;
        } else {
          assertThat(answer.status()).as("concurrent review: HTTP status; body %s", answer.abbreviated())
              .isEqualTo(200);
          checkPatch(review, answer);
          admitted++;
        }
      }
      assertThat(webhook.process.isAlive()).as("webhook alive after %d concurrent reviews; log:\n%s", parallel, webhook.logTail())
          .isTrue();
      assertThat(admitted).as("concurrent reviews admitted").isPositive();
      note(report, String.format("%d concurrent reviews of %,d bytes: %d admitted, %d busy (503), %d ms", parallel,
          review.json().length(), admitted, busy, Duration.ofNanos(System.nanoTime() - started).toMillis()));
    } finally {
      pool.shutdownNow();
    }
  }

  /** Grows the shape to the largest count whose review still fits in 3 MiB, then admits it. */
  private void admit(List<String> report, String shape, String mode, IntFunction<String> podOfCount)
      throws Exception {
    admit(report, shape, mode, podOfCount, Integer.MAX_VALUE);
  }

  /** As above, with at most {@code maxCount} entries. */
  private void admit(List<String> report, String shape, String mode, IntFunction<String> podOfCount, int maxCount)
      throws Exception {
    int count = Math.min(maxCount, largestFitting(count1 -> review(podOfCount.apply(count1), mode).json().length()));
    Review review = review(podOfCount.apply(count), mode);
    long started = System.nanoTime();
    Answer answer;
    try {
      answer = post(review.json());
    } catch (IOException e) {
      webhook.process.waitFor(5, TimeUnit.SECONDS);
      throw new AssertionError(shape + ": " + count + " entries, no answer (" + e + "); webhook "
          + (webhook.process.isAlive() ? "still running" : "exited with status " + webhook.process.exitValue()) + "; log:\n" + webhook.logTail(), e);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(webhook.process.isAlive()).as("webhook alive after %s; log:\n%s", shape, webhook.logTail()).isTrue();
    assertThat(answer.status()).as("%s: HTTP status; body %s", shape, answer.abbreviated()).isEqualTo(200);
    int operations = checkPatch(review, answer);
    note(report, String.format("%s: %,d (review %,d bytes) answered in %d ms, %,d patch operations, response %,d bytes",
        shape, count, review.json().length(), took.toMillis(), operations, answer.body().length()));
    assertThat(took).as("%s: time to answer", shape).isLessThan(BOUND);
  }

  private static int largestFitting(IntFunction<Integer> sizeOfCount) {
    int low = 1;
    int high = 1;
    while (sizeOfCount.apply(high) <= MAX_REVIEW_BYTES) {
      low = high;
      high *= 2;
    }
    while (high - low > 1) {
      int middle = (low + high) >>> 1;
      if (sizeOfCount.apply(middle) <= MAX_REVIEW_BYTES) {
        low = middle;
      } else {
        high = middle;
      }
    }
    return low;
  }

  /** Replays the answer's patch on the submitted pod: it must give what the mutation makes of that pod. */
  private static int checkPatch(Review review, Answer answer) throws Exception {
    JsonNode response = JSON.readTree(answer.body()).path("response");
    assertThat(response.path("allowed").asBoolean()).as("allowed: %s", answer.abbreviated()).isTrue();
    assertThat(response.path("patchType").asString()).isEqualTo("JSONPatch");
    JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.path("patch").asString()));
    JsonNode submitted = JSON.readTree(review.json()).path("request").path("object");
    Pod patched = SERIALIZATION.convertValue(JsonPatch.apply(patch, submitted), Pod.class);
    Pod expected = new PodMutator(WebhookSettings.defaults())
        .mutate(SERIALIZATION.convertValue(submitted, Pod.class), serviceAccount());
    assertThat(SERIALIZATION.convertValue(patched, JsonNode.class))
        .as("submitted pod with the patch applied").isEqualTo(SERIALIZATION.convertValue(expected, JsonNode.class));
    return patch.size();
  }

  private record Review(String json) {}

  private record Answer(int status, String body) {
    String abbreviated() {
      return body.length() > 500 ? body.substring(0, 500) + "..." : body;
    }
  }

  private Answer post(String review) throws IOException {
    Request request = new Request.Builder().url(base + "/mutate")
        .post(RequestBody.create(review.getBytes(StandardCharsets.UTF_8), JSON_TYPE)).build();
    try (Response response = http.newCall(request).execute()) {
      return new Answer(response.code(), response.body().string());
    }
  }

  private boolean answers(String path) {
    try (Response response = http.newCall(new Request.Builder().url(base + path).build()).execute()) {
      return response.code() == 200;
    } catch (IOException notYet) {
      return false;
    }
  }

  private static Review review(String pod, String mode) {
    String withMode = pod.replace("\"annotations\":{}",
        "\"annotations\":{\"cloud.google.com/injection-mode\":\"" + mode + "\"}");
    return new Review("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"
        + "\"uid\":\"4b2c3c66-0c1e-4d4b-9a53-6a1f7d4f6a11\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
        + "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},\"namespace\":\"big\","
        + "\"operation\":\"CREATE\",\"userInfo\":{\"username\":\"someone\"},\"object\":" + withMode + "}}");
  }

  private static String pod(String specFields) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"big\",\"namespace\":\"big\","
        + "\"annotations\":{}},\"spec\":{\"serviceAccountName\":\"wide\"," + specFields + "}}";
  }

  /** {@code "containers":[...]} with {@code count} containers, each with the given extra fields. */
  private static String containers(int count, IntFunction<String> extra) {
    StringBuilder json = new StringBuilder("\"containers\":[");
    for (int i = 0; i < count; i++) {
      String more = extra.apply(i);
      json.append(i == 0 ? "" : ",").append("{\"name\":\"c-").append(i).append("\",\"image\":\"registry.example/app:1\"")
          .append(more.isEmpty() ? "" : "," + more).append('}');
    }
    return json.append(']').toString();
  }

  private static String env(int count) {
    StringBuilder json = new StringBuilder("\"env\":[");
    for (int i = 0; i < count; i++) {
      json.append(i == 0 ? "" : ",").append("{\"name\":\"VAR_").append(i).append("\",\"value\":\"v\"}");
    }
    return json.append(']').toString();
  }

  private static String volumes(int count) {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < count; i++) {
      json.append(i == 0 ? "" : ",").append("{\"name\":\"v-").append(i).append("\",\"emptyDir\":{}}");
    }
    return json.append(']').toString();
  }

  private static String mounts(int count) {
    StringBuilder json = new StringBuilder("\"volumeMounts\":[");
    for (int i = 0; i < count; i++) {
      json.append(i == 0 ? "" : ",").append("{\"name\":\"data\",\"mountPath\":\"/m/").append(i).append("\"}");
    }
    return json.append(']').toString();
  }

  private static ServiceAccount serviceAccount() {
    return new ServiceAccountBuilder().withNewMetadata().withNamespace("big").withName("wide")
        .withAnnotations(Map.of("cloud.google.com/workload-identity-provider", PROVIDER,
            "cloud.google.com/service-account-email", "wide@my-project.iam.gserviceaccount.com"))
        .endMetadata().build();
  }
}
