package dev.gcpwif.webhook.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.admission.AdmissionResult;
import dev.gcpwif.webhook.admission.AdmissionReviewParser;
import dev.gcpwif.webhook.admission.MalformedAdmissionReviewException;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.serve.WebhookServer;
import dev.gcpwif.webhook.testing.TestTls.KeyKind;
import dev.gcpwif.webhook.testing.TestTls;
import dev.gcpwif.webhook.tls.ReloadingServerTls;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fuzzes {@code POST /mutate} over real HTTPS with generated and damaged AdmissionReviews, with the real
 * {@link PodMutator}. Seeded and counted so that a failure can be replayed: {@code -Dfuzz.seed=N -Dfuzz.count=N}.
 */
class AdmissionFuzzTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final TestTls TLS = new TestTls();
  private static final long SEED = Long.getLong("fuzz.seed", 20261129L);
  private static final int COUNT = Integer.getInteger("fuzz.count", 10_000);
  /** Over HTTPS each review costs tens of ms on a busy 2-core machine; the rest take MutateEndpoint's code path. */
  private static final int HTTPS_COUNT = Integer.getInteger("fuzz.httpsCount", 600);

  @TempDir Path dir;

  @Test
  void everyReviewGetsAWellFormedAnswerAndEveryPatchAppliesOnceAndOnlyOnce() throws Exception {
    PodMutator mutator = new PodMutator(WebhookSettings.defaults());
    ServiceAccounts accounts = new ServiceAccounts();
    AdmissionHandler handler =
        new AdmissionHandler(mutator::mutateOwnCopy, accounts::find, "cloud.google.com", SERIALIZATION);
    TestTls.write(TLS.leaf(KeyKind.EC_PKCS8, "webhook"), KeyKind.EC_PKCS8, dir.resolve("tls.crt"),
        dir.resolve("tls.key"));
    OkHttpClient client = TLS.client().newBuilder().callTimeout(20, TimeUnit.SECONDS).build();
    Outcomes outcomes = new Outcomes();
    List<String> failures = new ArrayList<>();
    System.out.println("AdmissionFuzzTest seed=" + SEED + " count=" + COUNT + " overHttps=" + HTTPS_COUNT);
    AdmissionReviewParser parser = new AdmissionReviewParser(SERIALIZATION);
    long started = System.nanoTime();
    try (ReloadingServerTls tls = new ReloadingServerTls(dir.resolve("tls.crt"), dir.resolve("tls.key"));
        WebhookServer server = new WebhookServer("127.0.0.1", 0, tls, handler, () -> true, new WebhookMetrics(),
            Duration.ofSeconds(2)).start()) {
      String url = "https://localhost:" + server.port() + "/mutate";
      ReviewGenerator generator = new ReviewGenerator(new java.util.Random(SEED));
      for (int i = 0; i < COUNT && failures.size() < 20; i++) {
        ReviewGenerator.Case fuzzCase = generator.next();
        try {
          Answer answer = i < HTTPS_COUNT ? overHttps(client, url, fuzzCase) : inProcess(parser, handler, fuzzCase);
          check(answer, fuzzCase, handler, outcomes);
        } catch (AssertionError | RuntimeException e) {
          failures.add("#" + i + " [" + fuzzCase.kind() + "] " + e + " at " + (e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?")
              + "\n  body: " + abbreviate(fuzzCase.body()));
        }
      }
      client.connectionPool().evictAll();
    }
    System.out.printf("AdmissionFuzzTest outcomes after %d ms: %s; failures=%d%n",
        (System.nanoTime() - started) / 1_000_000, outcomes, failures.size());
    assertThat(failures).as("fuzz failures (seed " + SEED + ")").isEmpty();
    assertThat(outcomes.total()).isEqualTo(COUNT);
    // The generator must really reach every kind of answer, or the properties were checked on nothing.
    assertThat(outcomes.count("mutated")).isGreaterThan(COUNT / 20);
    assertThat(outcomes.count("denied")).isGreaterThan(COUNT / 50);
    assertThat(outcomes.count("unchanged")).isGreaterThan(COUNT / 50);
    assertThat(outcomes.count("http400")).isGreaterThan(COUNT / 20);
  }

  private record Answer(int status, String body) {}

  private static Answer overHttps(OkHttpClient client, String url, ReviewGenerator.Case fuzzCase) throws Exception {
    Request request = new Request.Builder().url(url)
        .post(RequestBody.create(fuzzCase.body().getBytes(StandardCharsets.UTF_8), JSON_TYPE)).build();
    try (Response response = client.newCall(request).execute()) {
      return new Answer(response.code(), response.body().string());
    }
  }

  /** What MutateEndpoint does after reading the body: parse (400 with the reason) and handle (200). */
  private static Answer inProcess(AdmissionReviewParser parser, AdmissionHandler handler,
      ReviewGenerator.Case fuzzCase) throws Exception {
    AdmissionReview review;
    try {
      review = parser.parse(fuzzCase.body());
    } catch (MalformedAdmissionReviewException e) {
      return new Answer(400, e.getMessage());
    }
    return new Answer(200, SERIALIZATION.asJson(handler.handle(review).review()));
  }

  private static void check(Answer answer, ReviewGenerator.Case fuzzCase, AdmissionHandler handler,
      Outcomes outcomes) throws Exception {
    int status = answer.status();
    String body = answer.body();
    assertThat(status).as("HTTP status").isIn(200, 400, 413);
    if (status != 200) {
      assertThat(body).as("reason of a " + status).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
      outcomes.add("http" + status);
      return;
    }
    JsonNode sent = JSON.readTree(fuzzCase.body());
    AdmissionReview reply = SERIALIZATION.unmarshal(body, AdmissionReview.class);
    assertThat(reply.getApiVersion()).isEqualTo("admission.k8s.io/v1");
    assertThat(reply.getKind()).isEqualTo("AdmissionReview");
    assertThat(reply.getResponse().getUid()).as("uid").isEqualTo(sent.path("request").path("uid").asString());
    if (!Boolean.TRUE.equals(reply.getResponse().getAllowed())) {
      assertThat(reply.getResponse().getStatus().getMessage()).as("denial reason").isNotBlank();
      assertThat(reply.getResponse().getPatch()).isNull();
      outcomes.add("denied");
      return;
    }
    if (reply.getResponse().getPatch() == null) {
      outcomes.add("unchanged");
      return;
    }
    assertThat(reply.getResponse().getPatchType()).isEqualTo("JSONPatch");
    JsonNode patch = JSON.readTree(Base64.getDecoder().decode(reply.getResponse().getPatch()));
    JsonNode submitted = sent.path("request").path("object");
    JsonNode patched = JsonPatch.apply(patch, submitted);
    Pod pod = SERIALIZATION.unmarshal(patched.toString(), Pod.class);
    assertValidPod(pod, SERIALIZATION.unmarshal(submitted.toString(), Pod.class));

    // The API server re-invokes webhooks (reinvocationPolicy) with the patched pod: it must come back unchanged.
    ObjectNode again = (ObjectNode) sent.deepCopy();
    ((ObjectNode) again.get("request")).set("object", patched);
    AdmissionResult second = handler.handle(SERIALIZATION.unmarshal(again.toString(), AdmissionReview.class));
    assertThat(second.review().getResponse().getAllowed()).as("second admission allowed").isTrue();
    assertThat(second.review().getResponse().getPatch()).as("patch of a second admission").isNull();
    outcomes.add("mutated");
  }

  /** What the API server would check for the parts the webhook adds: unique names, mounts of existing volumes. */
  private static void assertValidPod(Pod pod, Pod submitted) {
    assertThat(pod.getSpec()).isNotNull();
    Set<String> volumes = new HashSet<>();
    Set<String> submittedVolumes = new HashSet<>();
    if (submitted.getSpec().getVolumes() != null) {
      submitted.getSpec().getVolumes().forEach(v -> submittedVolumes.add(v.getName()));
    }
    if (pod.getSpec().getVolumes() != null) {
      // Duplicates the user sent are the API server's to refuse; the webhook must not add one.
      pod.getSpec().getVolumes().forEach(v -> assertThat(volumes.add(v.getName()) || submittedVolumes.contains(v.getName()))
          .as("unique volume " + v.getName()).isTrue());
    }
    Set<String> submittedMounts = new HashSet<>();
    containersOf(submitted).stream().filter(c -> c.getVolumeMounts() != null)
        .forEach(c -> c.getVolumeMounts().forEach(m -> submittedMounts.add(m.getName())));
    List<Container> all = containersOf(pod);
    for (Container container : all) {
      if (container.getVolumeMounts() != null) {
        Set<String> paths = new HashSet<>();
        container.getVolumeMounts().forEach(m -> {
          if (!submittedMounts.contains(m.getName())) {
            assertThat(volumes).as("volume of added mount " + m.getName()).contains(m.getName());
          }
          assertThat(paths.add(m.getMountPath())).as("unique mount path " + m.getMountPath()).isTrue();
        });
      }
      if (container.getEnv() != null) {
        Set<String> names = new HashSet<>();
        container.getEnv().forEach(e -> assertThat(names.add(e.getName())).as("unique env " + e.getName()).isTrue());
      }
    }
    assertThat(pod.getSpec().getContainers()).hasSameSizeAs(submitted.getSpec().getContainers());
  }

  private static List<Container> containersOf(Pod pod) {
    List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
    if (pod.getSpec().getInitContainers() != null) {
      all.addAll(pod.getSpec().getInitContainers());
    }
    return all;
  }

  private static String abbreviate(String body) {
    return body.length() > 600 ? body.substring(0, 600) + "...(" + body.length() + " chars)" : body;
  }

  /** A fixed set of ServiceAccounts, valid and invalid, so that a second admission sees the same account. */
  private static final class ServiceAccounts {
    private final Map<String, ServiceAccount> byName = new TreeMap<>();

    ServiceAccounts() {
      String provider = "projects/123456789012/locations/global/workloadIdentityPools/on-prem/providers/cluster-a";
      add("default", Map.of());
      add("opted-in", Map.of("cloud.google.com/workload-identity-provider", provider));
      add("with-email", Map.of("cloud.google.com/workload-identity-provider", provider,
          "cloud.google.com/service-account-email", "reader@my-project.iam.gserviceaccount.com",
          "cloud.google.com/project-id", "my-project"));
      add("gcloud", Map.of("cloud.google.com/workload-identity-provider", provider,
          "cloud.google.com/injection-mode", "gcloud", "cloud.google.com/token-expiration", "3600"));
      add("metadata", Map.of("cloud.google.com/workload-identity-provider", provider,
          "cloud.google.com/injection-mode", "metadata"));
      add("bad-provider", Map.of("cloud.google.com/workload-identity-provider", "projects/x/pools"));
      add("bad-email", Map.of("cloud.google.com/workload-identity-provider", provider,
          "cloud.google.com/service-account-email", "reader@my-project.iam.gserviceaccount.com/../admin"));
    }

    private void add(String name, Map<String, String> annotations) {
      byName.put(name, new ServiceAccountBuilder().withNewMetadata().withName(name).withNamespace("team-a")
          .withAnnotations(annotations).endMetadata().build());
    }

    Optional<ServiceAccount> find(String namespace, String name) {
      return Optional.ofNullable(byName.get(name));
    }

    static List<String> names() {
      return List.of("default", "opted-in", "with-email", "gcloud", "metadata", "bad-provider", "bad-email",
          "missing");
    }
  }

  private static final class Outcomes {
    private final Map<String, Integer> counts = new TreeMap<>();

    void add(String outcome) {
      counts.merge(outcome, 1, Integer::sum);
    }

    int count(String outcome) {
      return counts.getOrDefault(outcome, 0);
    }

    int total() {
      return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    @Override
    public String toString() {
      return counts.toString();
    }
  }

  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  static ArrayNode array() {
    return NODES.arrayNode();
  }
}
