package dev.gcpwif.webhook.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.gcpwif.webhook.deploy.Kustomize.Rendered;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** deploy/helm/gcp-wif with real Helm: lint, schema, labels, NOTES, versions, upgrade safety, its documentation. */
class HelmChartTest {

  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final String TABLE_START = "<!-- helm values: generated from deploy/helm/gcp-wif/values.yaml; "
      + "HelmChartTest checks it -->";
  private static final String TABLE_END = "<!-- end of helm values -->";

  static Stream<Rendered> helmRenderings() {
    return DeployManifestsTest.installable().filter(rendered -> rendered.variant().startsWith("helm"));
  }

  @Test
  void strictLintFindsNothingButTheMissingIcon() {
    LintResult lint = HelmChart.lint();

    assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
    assertThat(lint.getMessages()).allSatisfy(message -> assertThat(message).startsWith("[INFO]"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "replicaCount: two | - at '/replicaCount': got string, want integer",
      "replicas: 3 | - at '': additional properties 'replicas' not allowed",
      "admission: {failurePolicy: Never} | - at '/admission/failurePolicy': value must be one of 'Ignore', 'Fail'",
      "admission: {timeoutSeconds: 30} | - at '/admission/timeoutSeconds': maximum: got 30, want 10",
      "server: {shutdownGrace: 20} | - at '/server/shutdownGrace': got number, want string",
      "mutation: {tokenExpiration: 300} | - at '/mutation/tokenExpiration': minimum: got 300, want 600",
      "sidecar: {image: {tag: 1.2.3, registry: x}} | - at '/sidecar/image': additional properties 'registry' not allowed"})
  void anInvalidValuesFileFailsWithTheSchemasMessage(String values, String message) throws IOException {
    Path file = Files.createTempFile("invalid", ".yaml");
    try {
      Files.writeString(file, values + "\n");
      assertThatThrownBy(() -> HelmChart.template(List.of(file), Map.of()))
          .hasMessageContaining("values don't meet the specifications of the schema(s)")
          .hasMessageContaining(message);
    } finally {
      Files.delete(file);
    }
  }

  @Test
  void renderingTwiceGivesByteIdenticalObjectsSoAnUpgradeWithTheSameValuesChangesNothing() {
    for (Map<String, Object> values : List.of(Map.<String, Object>of(), Map.<String, Object>of("certManager.enabled", false))) {
      String first = HelmChart.template(List.of(), values);
      assertThat(HelmChart.template(List.of(), values)).as("%s", values).isEqualTo(first);
      assertThat(first).as("the chart renders no Secret: cert-manager or the webhook writes it").doesNotContain(
          "kind: Secret");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("helmRenderings")
  void everyObjectCarriesTheStandardLabels(Rendered rendered) {
    assertThat(rendered.objects()).allSatisfy(object -> assertThat(object.getMetadata().getLabels())
        .as("%s %s", object.getKind(), object.getMetadata().getName())
        .containsEntry("app.kubernetes.io/name", "gcp-wif-webhook")
        .containsEntry("app.kubernetes.io/instance", HelmChart.RELEASE)
        .containsEntry("app.kubernetes.io/version", (String) chart().get("appVersion"))
        .containsEntry("app.kubernetes.io/managed-by", "Helm")
        .containsEntry("app.kubernetes.io/part-of", "gcp-wif")
        .containsEntry("helm.sh/chart", "gcp-wif-" + chart().get("version")));
  }

  @Test
  void appVersionIsTheBuildsVersionAndTheKustomizeImageTag() {
    String projectVersion = System.getProperty("project.version");
    assertThat(projectVersion).as("surefire passes project.version (webhook/pom.xml)").isNotBlank();

    assertThat(chart().get("appVersion")).as("Chart.yaml appVersion").isEqualTo(projectVersion.replace("-SNAPSHOT", ""));
    assertThat(image(DeployManifestsTest.rendered("overlays/cert-manager")))
        .isEqualTo(image(DeployManifestsTest.rendered("helm:default")))
        .endsWith(":" + chart().get("appVersion"));
  }

  @Test
  void notesTellHowToOptAServiceAccountInAndCheckAPod() {
    String notes = new Helm(HelmChart.directory()).install().withName(HelmChart.RELEASE)
        .withNamespace(HelmChart.NAMESPACE).withKubeVersion(HelmChart.KUBE_VERSION).dryRun().clientOnly().call()
        .getOutput();

    assertThat(notes).contains(
        "rollout status deployment/gcp-wif-webhook",
        "annotate serviceaccount NAME",
        "cloud.google.com/workload-identity-provider=projects/NUMBER/locations/global/workloadIdentityPools/",
        "cloud.google.com/service-account-email=",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "kubectl label namespace gcp-wif-system pod-security.kubernetes.io/enforce=restricted");
  }

  @Test
  void valuesOtherThanFlagsReachTheirObjects() {
    Rendered rendered = HelmChart.renderValues("every non-flag value", HelmChart.set(
        "replicaCount", 4, "image.tag", "9.9.9", "image.pullPolicy", "Always",
        "imagePullSecrets", List.of(Map.of("name", "regcred")),
        "resources", Map.of("requests", Map.of("cpu", "1", "memory", "1Gi"), "limits", Map.of("memory", "2Gi")),
        "podDisruptionBudget.minAvailable", 2, "terminationGracePeriodSeconds", 45,
        "podLabels", Map.of("team", "platform"), "podAnnotations", Map.of("example.com/scrape", "true"),
        "nodeSelector", Map.of("pool", "system"), "tolerations", List.of(Map.of("key", "system", "operator", "Exists")),
        "affinity", Map.of("nodeAffinity", Map.of()), "priorityClassName", "high",
        "admission.failurePolicy", "Fail", "admission.timeoutSeconds", 3, "admission.excludedNamespaces", List.of("infra"),
        "admission.namespaceSelector", Map.of("matchLabels", Map.of("gcp-wif", "on")),
        "admission.objectSelector", Map.of("matchExpressions",
            List.of(Map.of("key", "batch", "operator", "DoesNotExist"))),
        "server.logLevel", "debug", "certManager.duration", "720h", "certManager.renewBefore", "240h",
        "certManager.caDuration", "43800h"));
    Deployment deployment = rendered.only(Deployment.class);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container webhook = DeployManifestsTest.webhookContainer(rendered);
    MutatingWebhook admission = rendered.only(MutatingWebhookConfiguration.class).getWebhooks().get(0);

    assertThat(deployment.getSpec().getReplicas()).isEqualTo(4);
    assertThat(webhook.getImage()).isEqualTo("ghcr.io/gcp-wif/webhook:9.9.9");
    assertThat(webhook.getImagePullPolicy()).isEqualTo("Always");
    assertThat(pod.getImagePullSecrets()).extracting(secret -> secret.getName()).containsExactly("regcred");
    assertThat(webhook.getResources().getLimits().get("memory")).hasToString("2Gi");
    assertThat(webhook.getResources().getRequests().get("cpu")).hasToString("1");
    assertThat(rendered.only(PodDisruptionBudget.class).getSpec().getMinAvailable().getIntVal()).isEqualTo(2);
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(45);
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("team", "platform");
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("example.com/scrape", "true");
    assertThat(pod.getNodeSelector()).containsEntry("pool", "system");
    assertThat(pod.getTolerations()).extracting(toleration -> toleration.getKey()).containsExactly("system");
    assertThat(pod.getAffinity().getNodeAffinity()).isNotNull();
    assertThat(pod.getPriorityClassName()).isEqualTo("high");
    assertThat(admission.getFailurePolicy()).isEqualTo("Fail");
    assertThat(admission.getTimeoutSeconds()).isEqualTo(3);
    assertThat(admission.getNamespaceSelector().getMatchLabels()).containsEntry("gcp-wif", "on");
    assertThat(admission.getNamespaceSelector().getMatchExpressions().get(0).getValues())
        .containsExactly("infra", HelmChart.NAMESPACE);
    assertThat(admission.getObjectSelector().getMatchExpressions()).extracting(expression -> expression.getKey())
        .containsExactly("gcp-wif.dev/inject", "batch");
    assertThat(webhook.getEnv()).anySatisfy(env -> {
      assertThat(env.getName()).isEqualTo("JAVA_TOOL_OPTIONS");
      assertThat(env.getValue()).isEqualTo("-Dorg.slf4j.simpleLogger.defaultLogLevel=debug");
    });
    assertThat(rendered.objects().stream().filter(object -> object.getKind().equals("Certificate"))
        .map(JSON::asYaml).toList()).anySatisfy(yaml -> assertThat(yaml).contains("duration: \"720h\"")
            .contains("renewBefore: \"240h\""))
        .anySatisfy(yaml -> assertThat(yaml).contains("duration: \"43800h\""));
  }

  @Test
  void theExamplesAreTheOnesTheTestsRenderAndTheReadmeShows() throws IOException {
    List<String> files;
    try (Stream<Path> listing = Files.list(HelmChart.directory().resolve("examples"))) {
      files = listing.map(path -> path.getFileName().toString()).sorted().toList();
    }
    String readme = Files.readString(Kustomize.repositoryRoot().resolve("README.md"));

    assertThat(files).containsExactlyInAnyOrderElementsOf(DeployManifestsTest.HELM_EXAMPLES);
    assertThat(files).allSatisfy(file -> assertThat(readme).contains("deploy/helm/gcp-wif/examples/" + file));
  }

  @Test
  void theReadmeValuesTableIsValuesYaml() throws IOException {
    String expected = valuesTable();
    Files.writeString(Path.of("target/helm-values-table.md"), expected);
    String readme = Files.readString(Kustomize.repositoryRoot().resolve("README.md"));
    int start = readme.indexOf(TABLE_START);
    int end = readme.indexOf(TABLE_END);

    assertThat(start).as("README marker %s", TABLE_START).isNotNegative();
    assertThat(end).as("README marker %s", TABLE_END).isGreaterThan(start);
    assertThat(readme.substring(start + TABLE_START.length(), end).strip())
        .as("README's values table; the table values.yaml gives is in webhook/target/helm-values-table.md")
        .isEqualTo(expected.strip());
  }

  @Test
  void everyValueIsDocumentedInValuesYaml() throws IOException {
    List<String> documented = documented().stream().map(value -> value.get(0)).toList();
    List<String> leaves = new ArrayList<>();
    leaves(values(), "", leaves);

    assertThat(leaves).allSatisfy(leaf -> assertThat(documented)
        .as("%s has a '# -- ' comment in values.yaml, on itself or a parent", leaf)
        .anySatisfy(key -> assertThat(leaf.equals(key) || leaf.startsWith(key + ".")).isTrue()));
  }

  /** The README table: one row per value with a "# -- " comment, in values.yaml's order. */
  static String valuesTable() throws IOException {
    StringBuilder table = new StringBuilder("| value | default | meaning |\n|---|---|---|\n");
    Map<String, Object> values = values();
    for (List<String> value : documented()) {
      String json = JSON.asJson(at(values, value.get(0)));
      table.append("| `").append(value.get(0)).append("` | `").append(json).append("` | ")
          .append(value.get(1).replace("|", "\\|")).append(" |\n");
    }
    return table.toString();
  }

  /** [dotted key, description] of every key that a "# -- " comment (and its continuation lines) precedes. */
  static List<List<String>> documented() throws IOException {
    Pattern key = Pattern.compile("^( *)([A-Za-z][A-Za-z0-9]*):.*$");
    Deque<Object[]> parents = new ArrayDeque<>();
    List<List<String>> documented = new ArrayList<>();
    StringBuilder description = null;
    for (String line : Files.readAllLines(HelmChart.directory().resolve("values.yaml"))) {
      String stripped = line.strip();
      Matcher matcher = key.matcher(line);
      if (stripped.startsWith("# -- ")) {
        description = new StringBuilder(stripped.substring("# -- ".length()));
      } else if (stripped.startsWith("#") && description != null) {
        description.append(' ').append(stripped.substring(1).strip());
      } else if (matcher.matches()) {
        int indent = matcher.group(1).length();
        while (!parents.isEmpty() && (int) parents.peek()[0] >= indent) {
          parents.pop();
        }
        List<String> path = new ArrayList<>();
        parents.descendingIterator().forEachRemaining(parent -> path.add((String) parent[1]));
        path.add(matcher.group(2));
        if (description != null) {
          documented.add(List.of(String.join(".", path), description.toString()));
          description = null;
        }
        parents.push(new Object[] {indent, matcher.group(2)});
      }
    }
    return documented;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> values() throws IOException {
    return JSON.unmarshal(Files.readString(HelmChart.directory().resolve("values.yaml")), Map.class);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> chart() {
    try {
      return JSON.unmarshal(Files.readString(HelmChart.directory().resolve("Chart.yaml")), Map.class);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Object at(Map<String, Object> values, String dotted) {
    Object node = values;
    for (String part : dotted.split("\\.")) {
      node = ((Map<String, Object>) node).get(part);
    }
    return node;
  }

  @SuppressWarnings("unchecked")
  private static void leaves(Map<String, Object> node, String prefix, List<String> leaves) {
    node.forEach((key, value) -> {
      if (value instanceof Map<?, ?> map && !map.isEmpty()) {
        leaves((Map<String, Object>) map, prefix + key + ".", leaves);
      } else {
        leaves.add(prefix + key);
      }
    });
  }

  private static String image(Rendered rendered) {
    return DeployManifestsTest.webhookContainer(rendered).getImage();
  }
}
