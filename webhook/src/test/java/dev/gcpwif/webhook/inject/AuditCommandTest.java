package dev.gcpwif.webhook.inject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.Main;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import io.fabric8.kubernetes.api.model.KubernetesListBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code audit} command as a script or a person at a terminal sees it: its output and exit status. */
class AuditCommandTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final String PROVIDER =
      "projects/123456789012/locations/global/workloadIdentityPools/on-prem/providers/cluster-a";

  @TempDir Path dir;

  record Run(int exitCode, String stdout, String stderr) {}

  private Run run(String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Main.commandLine(new CommandLine.IFactory() {
      @Override
      @SuppressWarnings("unchecked")
      public <K> K create(Class<K> type) throws Exception {
        if (type == AuditCommand.class) {
          return (K) new AuditCommand(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        }
        return CommandLine.defaultFactory().create(type);
      }
    });
    commandLine.setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  private static ServiceAccount serviceAccount(String namespace, String name, String prefix, boolean optedIn) {
    ServiceAccount serviceAccount = new ServiceAccount();
    serviceAccount.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name)
        .withNamespace(namespace).build());
    if (optedIn) {
      serviceAccount.getMetadata().setAnnotations(Map.of(prefix + "/workload-identity-provider", PROVIDER));
    }
    return serviceAccount;
  }

  private static Pod pod(String namespace, String name, String serviceAccount) {
    return SERIALIZATION.unmarshal("""
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, namespace: %s}
        spec:
          serviceAccountName: %s
          containers: [{name: app, image: google/cloud-sdk:slim}]
        """.formatted(name, namespace, serviceAccount), Pod.class);
  }

  /** What {@code kubectl get serviceaccounts,pods -A -o yaml} prints: one {@code kind: List}. */
  private static String kubectlGet(Object... items) {
    return SERIALIZATION.asYaml(new KubernetesListBuilder()
        .withItems(java.util.Arrays.stream(items).map(i -> (io.fabric8.kubernetes.api.model.HasMetadata) i).toList())
        .build());
  }

  /** A cluster where the webhook admitted team-a/web-1 (by the real mutator) and team-a/plain is not opted in. */
  private static String cleanCluster() throws Exception {
    ServiceAccount app = serviceAccount("team-a", "app", "cloud.google.com", true);
    Pod injected = new PodMutator(WebhookSettings.defaults()).mutate(pod("team-a", "web-1", "app"), app);
    return kubectlGet(app, serviceAccount("team-a", "plain", "cloud.google.com", false), injected,
        pod("team-a", "web-2", "plain"));
  }

  @Test
  void aCleanClusterFromStdinExitsZeroAndPrintsNoFinding() throws Exception {
    String input = cleanCluster();
    assertThat(input).contains("kind: \"List\"").contains("cloud.google.com/injection");

    Run run = run(input, "audit", "-f", "-");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.stdout()).isEmpty();
    assertThat(run.stderr()).isEqualTo("2 pods audited, 0 findings" + System.lineSeparator());
  }

  @Test
  void anUninjectedPodIsOneLineAndExitStatus3() throws Exception {
    Path file = Files.writeString(dir.resolve("cluster.yaml"),
        SERIALIZATION.asYaml(serviceAccount("team-a", "app", "cloud.google.com", true)) + "---\n"
            + SERIALIZATION.asYaml(pod("team-a", "web-1", "app")));

    Run run = run("", "audit", "-f", file.toString());

    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(3);
    assertThat(run.stdout().lines().toList()).singleElement().asString()
        .startsWith("team-a/web-1 uninjected: ServiceAccount team-a/app is opted in but the pod has no receipt")
        .contains("To do: restart the pod");
  }

  @Test
  void jsonOutputListsEachFindingForScripts() throws Exception {
    String input = kubectlGet(serviceAccount("team-a", "app", "cloud.google.com", true), pod("team-a", "web-1", "app"),
        pod("team-b", "web-1", "app"));

    Run run = run(input, "audit", "-f", "-", "-o", "json");

    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(3);
    assertThat(run.stderr()).isEmpty();
    @SuppressWarnings("unchecked")
    Map<String, Object> json = SERIALIZATION.unmarshal(run.stdout(), Map.class);
    assertThat(json).containsEntry("podsAudited", 2);
    assertThat((List<?>) json.get("findings")).singleElement().satisfies(finding -> {
      Map<?, ?> entry = (Map<?, ?>) finding;
      assertThat(entry.get("namespace")).isEqualTo("team-a");
      assertThat(entry.get("pod")).isEqualTo("web-1");
      assertThat(entry.get("kind")).isEqualTo("uninjected");
      assertThat((List<?>) entry.get("details")).hasSize(1);
      assertThat((String) entry.get("action")).startsWith("restart the pod");
    });
  }

  @Test
  void jsonOutputOfACleanClusterHasAnEmptyFindingsArray() throws Exception {
    Run run = run(cleanCluster(), "audit", "-f", "-", "--output=json");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.stdout().strip()).isEqualTo("{\"podsAudited\":2,\"findings\":[]}");
  }

  @Test
  void kubectlJsonOutputIsReadToo() throws Exception {
    String json = SERIALIZATION.asJson(new KubernetesListBuilder()
        .withItems(serviceAccount("team-a", "app", "cloud.google.com", true), pod("team-a", "web-1", "app")).build());

    Run run = run(json, "audit", "-f", "-");

    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(3);
    assertThat(run.stdout()).startsWith("team-a/web-1 uninjected: ");
  }

  @Test
  void malformedYamlIsOneErrorLineAndExitStatus1() {
    Run run = run("apiVersion: v1\nkind: List\nitems: [\n", "audit", "-f", "-");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stdout()).isEmpty();
    assertThat(run.stderr().lines().toList()).singleElement().asString()
        .startsWith("error: stdin document 1: not valid YAML: ").doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void aFileThatDoesNotExistIsOneErrorLineAndExitStatus1() {
    String missing = dir.resolve("no-such.yaml").toString();

    Run run = run("", "audit", "-f", missing);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stdout()).isEmpty();
    assertThat(run.stderr()).isEqualTo("error: " + missing + ": no such file" + System.lineSeparator());
  }

  @Test
  void podsWithoutTheirServiceAccountsAreBadInputNotAPass() {
    Run run = run(kubectlGet(pod("team-a", "web-1", "app")), "audit", "-f", "-");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).isEqualTo("error: no ServiceAccounts in the input (1 pods); the audit needs the pods'"
        + " ServiceAccounts too: kubectl get serviceaccounts,pods -A -o yaml" + System.lineSeparator());
  }

  @Test
  void aPodThatIsNotAPodIsOneErrorLineNamingTheItem() {
    String input = """
        apiVersion: v1
        kind: List
        items:
        - {apiVersion: v1, kind: ServiceAccount, metadata: {name: app, namespace: team-a}}
        - {apiVersion: v1, kind: Pod, metadata: {name: web-1, namespace: team-a}, spec: {containers: "app"}}
        """;

    Run run = run(input, "audit", "-f", "-");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().lines().toList()).singleElement().asString()
        .startsWith("error: stdin document 1 item 2: not a valid Pod: ");
  }

  @Test
  void theExcludedNamespacesDefaultToTheShippedConfigurationAndTheFlagReplacesThem() {
    String input = kubectlGet(serviceAccount("kube-system", "app", "cloud.google.com", true),
        pod("kube-system", "web-1", "app"));

    assertThat(run(input, "audit", "-f", "-").exitCode()).isZero();
    Run replaced = run(input, "audit", "-f", "-", "--exclude-namespace=gcp-wif-system");
    assertThat(replaced.exitCode()).isEqualTo(3);
    assertThat(replaced.stdout()).startsWith("kube-system/web-1 uninjected: ");
    assertThat(run(input, "audit", "-f", "-", "--exclude-namespace=").exitCode()).isEqualTo(3);
    assertThat(run(input, "audit", "-f", "-", "--exclude-namespace", "a", "--exclude-namespace", "kube-system")
        .exitCode()).isZero();
  }

  @Test
  void theAnnotationPrefixFlagIsTheOneServeAndInjectTake() {
    String input = kubectlGet(serviceAccount("team-a", "app", "example.com", true), pod("team-a", "web-1", "app"));

    assertThat(run(input, "audit", "-f", "-").exitCode()).as("not opted in under cloud.google.com").isZero();
    Run run = run(input, "audit", "-f", "-", "--annotation-prefix=example.com");
    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(3);
    assertThat(run.stdout()).contains("no receipt (example.com/injection)");
  }

  @Test
  void anAudienceDefaultThatChangedSinceAdmissionMakesThePodStale() throws Exception {
    ServiceAccount app = serviceAccount("team-a", "app", "cloud.google.com", true);
    Pod injected = new PodMutator(WebhookSettings.defaults()).mutate(pod("team-a", "web-1", "app"), app);
    String input = kubectlGet(app, injected);

    assertThat(run(input, "audit", "-f", "-").exitCode()).isZero();
    Run run = run(input, "audit", "-f", "-", "--token-audience=other-audience");
    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(3);
    assertThat(run.stdout()).startsWith("team-a/web-1 stale: audience was sts.googleapis.com, is now other-audience.");
  }

  /**
   * The webhook writes the expiration it used under the pod's own override key (as the Go webhook does), and a pod
   * cannot tell that value from a user's override: the audit reads it as the override, as a reinvocation does. So a
   * changed default is not reported, rather than a user's override being reported stale after every restart.
   */
  @Test
  void aTokenExpirationDefaultThatChangedIsNotReportedAsThePodCarriesTheValueAsItsOverride() throws Exception {
    ServiceAccount app = serviceAccount("team-a", "app", "cloud.google.com", true);
    Pod injected = new PodMutator(WebhookSettings.defaults()).mutate(pod("team-a", "web-1", "app"), app);
    assertThat(injected.getMetadata().getAnnotations()).containsEntry("cloud.google.com/token-expiration", "86400");

    Run run = run(kubectlGet(app, injected), "audit", "-f", "-", "--token-expiration=3600");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
  }
}
