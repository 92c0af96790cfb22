package dev.gcpwif.webhook.inject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.Main;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class InjectCommandTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final String PROVIDER =
      "projects/123456789012/locations/global/workloadIdentityPools/on-prem/providers/cluster-a";
  private static final String SA = """
      apiVersion: v1
      kind: ServiceAccount
      metadata:
        name: app
        namespace: team-a
        annotations:
          cloud.google.com/workload-identity-provider: %s
      """.formatted(PROVIDER);
  private static final String DEPLOYMENT = """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
        namespace: team-a
      spec:
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            serviceAccountName: app
            containers:
            - name: web
              image: nginx
      """;
  private static final String CONFIG_MAP = """
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: settings
        namespace: team-a
      data:
        key: value
      """;

  @TempDir Path dir;

  record Run(int exitCode, String stdout, String stderr) {}

  private Run run(String stdin, String... args) {
    return run(stdin.getBytes(StandardCharsets.UTF_8), args);
  }

  private Run run(byte[] stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Main.commandLine(new CommandLine.IFactory() {
      @Override
      @SuppressWarnings("unchecked")
      public <K> K create(Class<K> type) throws Exception {
        if (type == InjectCommand.class) {
          return (K) new InjectCommand(new ByteArrayInputStream(stdin));
        }
        return CommandLine.defaultFactory().create(type);
      }
    });
    commandLine.setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  private Path file(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }

  @SuppressWarnings("unchecked")
  private static List<HasMetadata> documents(String yaml) {
    Object parsed = SERIALIZATION.unmarshal(yaml); // a list for several documents, the object for one
    return parsed instanceof List<?> list ? (List<HasMetadata>) list : List.of((HasMetadata) parsed);
  }

  @Test
  void mutatesTheWorkloadTemplateAndKeepsEveryDocumentInOrder() throws Exception {
    Run run = run("", "inject", "-f", file("all.yaml", SA + "---\n" + CONFIG_MAP + "---\n" + DEPLOYMENT).toString());

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    List<HasMetadata> out = documents(run.stdout());
    assertThat(out).extracting(HasMetadata::getKind).containsExactly("ServiceAccount", "ConfigMap", "Deployment");
    Deployment deployment = (Deployment) out.get(2);
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsKey("cloud.google.com/external-credentials-json");
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .extracting("name").contains("GOOGLE_APPLICATION_CREDENTIALS");
    assertThat(out.get(1)).isEqualTo(SERIALIZATION.unmarshal(CONFIG_MAP));
  }

  /** What {@code kubectl get sa,deploy,cm -n team-a -o yaml} prints: one {@code kind: List}. */
  private static String asList(String... documents) {
    StringBuilder list = new StringBuilder("apiVersion: v1\nkind: List\nmetadata: {resourceVersion: \"\"}\nitems:\n");
    for (String document : documents) {
      list.append(document.indent(2).replaceFirst("^  ", "- "));
    }
    return list.toString();
  }

  @Test
  void mutatesTheItemsOfAListAndPrintsItAsTheListItCameAs() throws Exception {
    Run run = run(asList(SA, CONFIG_MAP, DEPLOYMENT), "inject", "-f", "-");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    var list = SERIALIZATION.unmarshal(run.stdout(), io.fabric8.kubernetes.api.model.KubernetesList.class);
    assertThat(list.getKind()).isEqualTo("List");
    List<HasMetadata> items = list.getItems();
    assertThat(items).extracting(HasMetadata::getKind).containsExactly("ServiceAccount", "ConfigMap", "Deployment");
    Deployment deployment = (Deployment) items.get(2);
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .extracting("name").contains("GOOGLE_APPLICATION_CREDENTIALS");
    assertThat(items.get(1)).isEqualTo(SERIALIZATION.unmarshal(CONFIG_MAP));
  }

  @Test
  void aListItemResolvesItsServiceAccountFromAnotherFileAndABadItemIsNamed() throws Exception {
    Run ok = run(asList(DEPLOYMENT), "inject", "--service-account", file("sa.yaml", SA).toString(), "-f", "-");
    assertThat(ok.exitCode()).as(ok.stderr()).isZero();
    assertThat(ok.stdout()).contains("GOOGLE_APPLICATION_CREDENTIALS");

    Run bad = run("apiVersion: v1\nkind: List\nitems:\n- just a string\n", "inject", "-f", "-");
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.stderr().lines().toList()).singleElement().asString()
        .isEqualTo("error: stdin document 1 item 1: expected a Kubernetes object (a mapping with apiVersion and kind)");
  }

  @Test
  void readsStdinAndFilesTogether() throws Exception {
    Run run = run(DEPLOYMENT, "inject", "-f", file("sa.yaml", SA).toString(), "-f", "-");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(documents(run.stdout())).extracting(HasMetadata::getKind).containsExactly("ServiceAccount", "Deployment");
  }

  @Test
  void resolvesServiceAccountsFromTheServiceAccountFlagWithoutPrintingThem() throws Exception {
    Run run = run("", "inject", "--service-account", file("sa.yaml", SA).toString(),
        "-f", file("deploy.yaml", DEPLOYMENT).toString());

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(documents(run.stdout())).extracting(HasMetadata::getKind).containsExactly("Deployment");
  }

  @Test
  void mutatesPodsAndCronJobsAndUsesTheDefaultServiceAccountAndNamespace() throws Exception {
    String defaultSa = SA.replace("name: app", "name: default").replace("namespace: team-a", "namespace: default");
    String pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: i\n";
    String cronJob = """
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: nightly}
        spec:
          schedule: "0 3 * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: OnFailure
                  containers:
                  - name: job
                    image: google/cloud-sdk:slim
        """;

    Run run = run("", "inject", "-f", file("in.yaml", defaultSa + "---\n" + pod + "---\n" + cronJob).toString());

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    List<HasMetadata> out = documents(run.stdout());
    assertThat(((Pod) out.get(1)).getSpec().getVolumes()).extracting("name").contains("gcp-workload-identity");
    assertThat(((CronJob) out.get(2)).getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getVolumes())
        .extracting("name").contains("gcp-workload-identity");
  }

  @Test
  void appliesTheWebhookFlags() throws Exception {
    Run run = run("", "inject", "--gcp-default-region", "europe-west1", "--token-expiration", "3600",
        "-f", file("all.yaml", SA + "---\n" + DEPLOYMENT).toString());

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.stdout()).contains("CLOUDSDK_COMPUTE_REGION").contains("europe-west1")
        .contains("expirationSeconds: 3600");
  }

  @Test
  void anUnknownServiceAccountIsAnErrorWithAHint() throws Exception {
    Run run = run("", "inject", "-f", file("deploy.yaml", DEPLOYMENT).toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stdout()).isEmpty();
    assertThat(run.stderr().strip()).isEqualTo("error: " + dir.resolve("deploy.yaml") + " document 1: Deployment web"
        + " runs as ServiceAccount team-a/app, which is not in the input; add it, or pass it with"
        + " --service-account FILE");
  }

  @Test
  void unparsableYamlNamesTheDocument() throws Exception {
    Run run = run("", "inject", "-f", file("bad.yaml", SA + "---\nkind: Pod\n  metadata: [\n").toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).startsWith("error: " + dir.resolve("bad.yaml") + " document 2: not valid YAML:")
        .contains("line ").hasLineCount(1);
  }

  @Test
  void anInvalidPodAnnotationIsAnErrorNamingTheWorkloadAndTheAnnotation() throws Exception {
    String badTemplate = DEPLOYMENT.replace("metadata: {labels: {app: web}}",
        "metadata: {labels: {app: web}, annotations: {cloud.google.com/token-expiration: \"1h\"}}");

    Run run = run("", "inject", "-f", file("all.yaml", SA + "---\n" + badTemplate).toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).contains("all.yaml document 2: Deployment web: invalid annotation"
        + " cloud.google.com/token-expiration=\"1h\"").hasLineCount(1);
  }

  @Test
  void aCorrectedValueIsAWarningLineOnStderrNamingTheWorkloadAndTheExitStatusStaysZero() throws Exception {
    String shortLived = DEPLOYMENT.replace("metadata: {labels: {app: web}}",
        "metadata: {labels: {app: web}, annotations: {cloud.google.com/token-expiration: \"300\"}}");

    Run run = run("", "inject", "-f", file("all.yaml", SA + "---\n" + shortLived).toString());

    assertThat(run.exitCode()).isEqualTo(0);
    assertThat(run.stderr()).isEqualTo("warning: " + dir.resolve("all.yaml") + " document 2: Deployment web:"
        + " cloud.google.com/token-expiration=\"300\": raised to 600 seconds, the shortest lifetime the API server"
        + " allows for a projected token" + System.lineSeparator());
    assertThat(run.stdout()).contains("expirationSeconds: 600");
  }

  @Test
  void aMirrorPodIsPrintedUnchanged() throws Exception {
    String mirror = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: static-web-node-1
          namespace: team-a
          annotations: {kubernetes.io/config.mirror: "5c0f9bd7"}
        spec:
          serviceAccountName: app
          containers:
          - name: web
            image: nginx
        """;

    Run run = run("", "inject", "-f", file("all.yaml", SA + "---\n" + mirror).toString());

    assertThat(run.exitCode()).isEqualTo(0);
    assertThat(run.stderr()).isEmpty();
    assertThat(documents(run.stdout()).get(1))
        .isEqualTo(SERIALIZATION.unmarshal(mirror, io.fabric8.kubernetes.api.model.Pod.class));
  }

  @ParameterizedTest(name = "[{index}]")
  @ValueSource(strings = {"", "---\n", "# only a comment\n---\n# and another\n", "---\n---\n"})
  void aFileWithoutAnyObjectIsAnErrorNamingTheFile(String content) throws Exception {
    Path empty = file("empty.yaml", content);

    Run run = run("", "inject", "-f", empty.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stdout()).isEmpty();
    assertThat(run.stderr().strip()).isEqualTo("error: " + empty + ": no Kubernetes objects found (the input is"
        + " empty, or only comments and '---'); expected YAML documents with apiVersion and kind");
  }

  @Test
  void emptyStdinAndAnEmptyServiceAccountFileAreErrorsToo() throws Exception {
    Path sa = file("sa.yaml", SA);
    Path empty = file("none.yaml", "# nothing here\n");

    assertThat(run("", "inject", "-f", "-").stderr()).startsWith("error: stdin: no Kubernetes objects found");
    Run run = run("", "inject", "-f", sa.toString(), "--service-account", empty.toString());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr()).startsWith("error: " + empty + ": no Kubernetes objects found");
  }

  @Test
  void aBinaryFileIsAnErrorSayingItIsNotUtf8Text() throws Exception {
    Path binary = Files.write(dir.resolve("image.yaml"), new byte[] {'a', 'b', (byte) 0x89, 'P', 'N', 'G', 0, 1});

    Run run = run("", "inject", "-f", binary.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().strip()).isEqualTo("error: " + binary
        + ": not UTF-8 text (byte 2 is 0x89); expected YAML manifests in UTF-8");
  }

  @Test
  void binaryStdinIsAnErrorToo() {
    Run run = run(new String(new byte[] {(byte) 0xff, (byte) 0xfe, 'k', 0}, StandardCharsets.ISO_8859_1)
        .getBytes(StandardCharsets.ISO_8859_1), "inject", "-f", "-");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().strip()).isEqualTo("error: stdin: not UTF-8 text (byte 0 is 0xff); expected YAML"
        + " manifests in UTF-8");
  }

  @Test
  void yamlThatFailsInTheFirstDocumentNamesDocumentOne() throws Exception {
    Path bad = file("bad.yaml", "\u0007kind: Pod\n");

    Run run = run("", "inject", "-f", bad.toString());

    assertThat(run.stderr()).startsWith("error: " + bad + " document 1: not valid YAML:");
  }

  @Test
  void anInvalidServiceAccountAnnotationNamesTheServiceAccountsFileAndDocument() throws Exception {
    Path sa = file("sa.yaml", SA.replace("name: app", "name: other") + "---\n" + SA
        + "    cloud.google.com/token-expiration: \"1h\"\n");
    Path deployment = file("deploy.yaml", DEPLOYMENT);

    Run given = run("", "inject", "-f", deployment.toString(), "--service-account", sa.toString());
    Run together = run("", "inject", "-f", deployment.toString(), "-f", sa.toString());

    String expected = "error: " + sa + " document 2: ServiceAccount team-a/app: invalid annotation"
        + " cloud.google.com/token-expiration=\"1h\": expected";
    assertThat(given.exitCode()).isEqualTo(1);
    assertThat(given.stderr()).startsWith(expected).contains("(every pod that runs as it would be denied)")
        .doesNotContain("deploy.yaml").hasLineCount(1);
    assertThat(together.exitCode()).isEqualTo(1);
    assertThat(together.stderr()).startsWith(expected).hasLineCount(1);
  }

  @Test
  void aServiceAccountAloneIsValidatedAndPrintedUnchangedWhenValid() throws Exception {
    Path bad = file("bad-sa.yaml", SA + "    cloud.google.com/injection-mode: sidecar\n");
    Path good = file("good-sa.yaml", SA);

    Run invalid = run("", "inject", "-f", bad.toString());
    Run valid = run("", "inject", "-f", good.toString());

    assertThat(invalid.exitCode()).isEqualTo(1);
    assertThat(invalid.stdout()).isEmpty();
    assertThat(invalid.stderr()).startsWith("error: " + bad + " document 1: ServiceAccount team-a/app: invalid"
        + " annotation cloud.google.com/injection-mode=\"sidecar\"");
    assertThat(valid.exitCode()).as(valid.stderr()).isZero();
    assertThat(documents(valid.stdout())).singleElement().satisfies(object -> {
      assertThat(object.getKind()).isEqualTo("ServiceAccount");
      assertThat(object.getMetadata().getAnnotations()).containsEntry(
          "cloud.google.com/workload-identity-provider", PROVIDER);
    });
  }

  @Test
  void aMissingFileIsAnError() {
    Run run = run("", "inject", "-f", dir.resolve("nope.yaml").toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().strip()).isEqualTo("error: " + dir.resolve("nope.yaml") + ": no such file");
  }

  @Test
  void anInvalidFlagValueIsAUsageErrorThatNamesTheFlag() throws Exception {
    Run run = run("", "inject", "--token-expiration", "60", "-f", file("sa.yaml", SA).toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr().lines().findFirst().orElseThrow())
        .contains("--token-expiration").contains("'60'").contains("at least 600 seconds");
  }

  @Test
  void withoutFileIsAUsageError() {
    Run run = run("", "inject");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr()).contains("Missing required option");
  }

  @Test
  void helpListsEveryFlagWithItsEnvironmentVariable() {
    Run run = run("", "inject", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.stdout()).contains("--annotation-prefix", "WEBHOOK_ANNOTATION_PREFIX", "--token-audience",
        "--token-expiration", "--token-default-mode", "--gcp-default-region", "--service-account",
        "Comments and formatting of the input are not kept");
  }

  @Test
  void theShippedExampleInjects() {
    Path examples = Path.of("..", "examples", "inject");
    Run run = run("", "inject", "-f", examples.resolve("service-account.yaml").toString(),
        "-f", examples.resolve("deployment.yaml").toString());

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    Deployment deployment = (Deployment) documents(run.stdout()).get(1);
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .extracting("name").contains("GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE",
            "BOTO_PATH", "GOOGLE_CLOUD_PROJECT");
  }
}
