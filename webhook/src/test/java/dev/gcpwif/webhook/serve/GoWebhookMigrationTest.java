package dev.gcpwif.webhook.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.admission.AdmissionReviewParser;
import dev.gcpwif.webhook.mutation.MutationResult;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.testing.ExpectedRendering;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Swapping the Go webhook for this one admits every pod the Go webhook admitted and mutates it as the README
 * documents. {@code src/test/resources/go-migration} holds the ServiceAccounts and pods of a Go-webhook user (each
 * file names the Go test case or README example it reflects), and per pod the expected pod and the admission warnings
 * ({@code expected-warnings.txt}, one a line; absent: none). Each pod goes through the mutation the admission endpoint
 * runs, and through the endpoint's own path (a recorded-style AdmissionReview parsed and handled as {@code POST
 * /mutate} does), with the settings {@code serve} takes from the Go chart's arguments.
 */
class GoWebhookMigrationTest {
  /**
   * The Go chart's container arguments: its template's fixed bind addresses ({@link GoChartArgumentsIT}, which starts
   * {@code serve} with them), then the manager arguments that bear on the mutation, as its values.yaml lists them for
   * users to uncomment, with their default values.
   */
  static final List<String> GO_CHART_ARGS = Stream.concat(GoChartArgumentsIT.GO_CHART_DEFAULT_ARGS.stream(),
      Stream.of("--annotation-prefix=cloud.google.com", "--token-audience=sts.googleapis.com",
          "--token-expiration=24h", "--gcp-default-region=", "--gcloud-image=google/cloud-sdk:slim",
          "--setup-container-resources=")).toList();

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Path ROOT = resources();
  private static final Map<String, ServiceAccount> SERVICE_ACCOUNTS = serviceAccounts();

  static List<String> cases() throws IOException {
    try (Stream<Path> folders = Files.list(ROOT)) {
      return folders.filter(Files::isDirectory).map(folder -> folder.getFileName().toString()).sorted().toList();
    }
  }

  /** The settings exactly as {@code serve} builds them from its command line. */
  static WebhookSettings goChartSettings() {
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).parseArgs(GO_CHART_ARGS.toArray(String[]::new));
    return serve.mutationOptions.toSettings(serve.sidecarOptions.toSettings());
  }

  @Test
  void theGoChartsArgumentsGiveTheGoWebhooksDefaults() {
    WebhookSettings settings = goChartSettings();

    assertThat(settings.annotationPrefix()).isEqualTo("cloud.google.com");
    assertThat(settings.defaultAudience()).isEqualTo("sts.googleapis.com");
    assertThat(settings.defaultTokenExpirationSeconds()).isEqualTo(86400);
    assertThat(settings.defaultRegion()).as("--gcp-default-region= sets no region, as in Go").isNull();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theMutationAdmitsThePodAsDocumented(String name) throws Exception {
    Pod pod = pod(name);

    MutationResult result = new PodMutator(goChartSettings()).mutateWithWarnings(pod, serviceAccountOf(pod));

    assertDocumented(name, result.pod(), "mutation");
    assertThat(result.warnings()).containsExactlyElementsOf(expectedWarnings(name));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theAdmissionEndpointAdmitsThePodWithTheDocumentedPatchAndWarnings(String name) throws Exception {
    WebhookSettings settings = goChartSettings();
    AdmissionHandler handler = new AdmissionHandler(new PodMutator(settings)::mutateOwnCopy,
        (namespace, account) -> Optional.ofNullable(SERVICE_ACCOUNTS.get(namespace + "/" + account)),
        settings.annotationPrefix(), SERIALIZATION);
    JsonNode submitted = SERIALIZATION.convertValue(pod(name), JsonNode.class);

    AdmissionResponse response = handler.handle(new AdmissionReviewParser(SERIALIZATION).parse(review(submitted)))
        .review().getResponse();

    assertThat(response.getAllowed()).as("allowed; status %s", response.getStatus()).isTrue();
    assertThat(response.getStatus()).isNull();
    JsonNode admitted = submitted;
    if (response.getPatch() != null) {
      String patch = new String(Base64.getDecoder().decode(response.getPatch()), StandardCharsets.UTF_8);
      admitted = JsonPatch.apply(SERIALIZATION.unmarshal(patch, JsonNode.class), submitted);
    }
    assertDocumented(name, SERIALIZATION.convertValue(admitted, Pod.class), "admission");
    assertThat(Optional.ofNullable(response.getWarnings()).orElse(List.of()))
        .containsExactlyElementsOf(expectedWarnings(name));
  }

  /** Guards the inputs: a ServiceAccount no pod runs as would be a situation the test only pretends to cover. */
  @Test
  void everyServiceAccountIsUsedByAPod() throws Exception {
    Set<String> used = new HashSet<>();
    for (String name : cases()) {
      Pod pod = pod(name);
      used.add(pod.getMetadata().getNamespace() + "/" + serviceAccountName(pod));
    }

    assertThat(used).containsAll(SERVICE_ACCOUNTS.keySet());
  }

  private static void assertDocumented(String name, Pod admitted, String path) throws IOException {
    String expected = Files.exists(ROOT.resolve(name).resolve("expected.yaml"))
        ? SERIALIZATION.asYaml(SERIALIZATION.unmarshal(read(name, "expected.yaml"), Pod.class))
        : null;
    ExpectedRendering.assertRendering(SERIALIZATION.asYaml(admitted), expected,
        Path.of("target/go-migration-actual", path, name, "expected.yaml"));
  }

  private static String review(JsonNode pod) throws IOException {
    ObjectNode review = (ObjectNode) SERIALIZATION.unmarshal(
        Files.readString(ROOT.resolve("admission-review.json")), JsonNode.class);
    ObjectNode request = (ObjectNode) review.get("request");
    request.put("namespace", pod.get("metadata").get("namespace").asString());
    request.set("object", pod);
    return review.toString();
  }

  private static Pod pod(String name) throws IOException {
    return SERIALIZATION.unmarshal(read(name, "pod.yaml"), Pod.class);
  }

  private static ServiceAccount serviceAccountOf(Pod pod) {
    return SERVICE_ACCOUNTS.get(pod.getMetadata().getNamespace() + "/" + serviceAccountName(pod));
  }

  /** As the API server's ServiceAccount admission defaults it (mirror pods keep none, and this webhook skips them). */
  private static String serviceAccountName(Pod pod) {
    String name = pod.getSpec().getServiceAccountName();
    return name == null ? "default" : name;
  }

  private static List<String> expectedWarnings(String name) throws IOException {
    Path file = ROOT.resolve(name).resolve("expected-warnings.txt");
    return Files.exists(file) ? Files.readString(file).lines().toList() : List.of();
  }

  private static String read(String name, String file) throws IOException {
    return Files.readString(ROOT.resolve(name).resolve(file));
  }

  private static Map<String, ServiceAccount> serviceAccounts() {
    Map<String, ServiceAccount> accounts = new LinkedHashMap<>();
    try {
      for (String document : Files.readString(ROOT.resolve("service-accounts.yaml")).split("(?m)^---$")) {
        if (document.lines().anyMatch(line -> line.startsWith("kind:"))) {
          ServiceAccount account = SERIALIZATION.unmarshal(document, ServiceAccount.class);
          accounts.put(account.getMetadata().getNamespace() + "/" + account.getMetadata().getName(), account);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return accounts;
  }

  private static Path resources() {
    try {
      return Path.of(GoWebhookMigrationTest.class.getResource("/go-migration").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
