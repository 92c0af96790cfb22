package dev.gcpwif.webhook.inject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.Main;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.SidecarSettings;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code inject} renders metadata mode exactly as the admission path ({@link PodMutator}) does, flags included. */
class InjectMetadataModeTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final String SA = """
      apiVersion: v1
      kind: ServiceAccount
      metadata:
        name: app
        namespace: team-a
        annotations:
          cloud.google.com/workload-identity-provider: projects/123456789012/locations/global/workloadIdentityPools/on-prem/providers/cluster-a
          cloud.google.com/service-account-email: reader@my-project.iam.gserviceaccount.com
          cloud.google.com/injection-mode: metadata
      """;
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

  @TempDir Path dir;

  record Run(int exitCode, String stdout, String stderr) {}

  private Run inject(String... flags) throws Exception {
    Path sa = Files.writeString(dir.resolve("sa.yaml"), SA);
    Path deployment = Files.writeString(dir.resolve("deployment.yaml"), DEPLOYMENT);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> args = new java.util.ArrayList<>(List.of("inject", "-f", sa.toString(), "-f", deployment.toString()));
    args.addAll(List.of(flags));
    int exitCode = Main.commandLine(CommandLine.defaultFactory()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute(args.toArray(String[]::new));
    return new Run(exitCode, out.toString(), err.toString());
  }

  private static PodSpec template(Run run) {
    @SuppressWarnings("unchecked")
    List<HasMetadata> documents = (List<HasMetadata>) SERIALIZATION.unmarshal(run.stdout());
    return ((Deployment) documents.get(1)).getSpec().getTemplate().getSpec();
  }

  /** The pod spec the admission path renders for the same template with the given settings. */
  private static PodSpec admitted(SidecarSettings sidecar) throws Exception {
    Deployment deployment = SERIALIZATION.unmarshal(DEPLOYMENT, Deployment.class);
    Pod pod = new PodBuilder().withMetadata(deployment.getSpec().getTemplate().getMetadata())
        .editMetadata().withNamespace("team-a").endMetadata()
        .withSpec(deployment.getSpec().getTemplate().getSpec()).build();
    return new PodMutator(WebhookSettings.defaults().withSidecar(sidecar))
        .mutate(pod, SERIALIZATION.unmarshal(SA, ServiceAccount.class)).getSpec();
  }

  @Test
  void rendersTheNativeSidecarAsTheAdmissionPathDoes() throws Exception {
    Run run = inject();

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    PodSpec spec = template(run);
    Container sidecar = spec.getInitContainers().get(0);
    assertThat(sidecar.getName()).isEqualTo("gcp-metadata-server");
    assertThat(sidecar.getRestartPolicy()).isEqualTo("Always");
    assertThat(sidecar.getArgs()).containsExactly("--listen", "127.0.0.1:8988", "--health-port", "8989",
        "--project-id", "my-project");
    assertThat(SERIALIZATION.asYaml(spec)).isEqualTo(SERIALIZATION.asYaml(admitted(SidecarSettings.defaults())));
  }

  @Test
  void sidecarFlagsReachTheRenderedPod() throws Exception {
    Run run = inject("--sidecar-native=false", "--sidecar-port", "9100", "--sidecar-health-port", "9101",
        "--sidecar-image", "registry.example/sidecar:1", "--sidecar-memory-limit", "none", "--sidecar-log-level",
        "debug", "--sidecar-image-pull-policy", "Always");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    PodSpec spec = template(run);
    assertThat(spec.getInitContainers()).isEmpty();
    assertThat(spec.getContainers()).extracting(Container::getName).containsExactly("gcp-metadata-server", "web");
    Container sidecar = spec.getContainers().get(0);
    assertThat(sidecar.getImage()).isEqualTo("registry.example/sidecar:1");
    assertThat(sidecar.getImagePullPolicy()).isEqualTo("Always");
    assertThat(sidecar.getResources().getLimits()).isNullOrEmpty();
    assertThat(sidecar.getArgs()).containsSubsequence("--listen", "127.0.0.1:9100")
        .containsSubsequence("--health-port", "9101").containsSubsequence("--log-level", "debug");
    assertThat(spec.getContainers().get(1).getEnv()).extracting(EnvVar::getName, EnvVar::getValue)
        .contains(org.assertj.core.groups.Tuple.tuple("GCE_METADATA_HOST", "127.0.0.1:9100"));
    SidecarSettings expected = new SidecarSettings("registry.example/sidecar:1", 9100, 9101, "20m", "80Mi", null, null,
        false, "debug", "Always");
    assertThat(SERIALIZATION.asYaml(spec)).isEqualTo(SERIALIZATION.asYaml(admitted(expected)));
  }

  private Run injectFiles(Path... files) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> args = new java.util.ArrayList<>(List.of("inject"));
    for (Path file : files) {
      args.addAll(List.of("-f", file.toString()));
    }
    int exitCode = Main.commandLine(CommandLine.defaultFactory()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute(args.toArray(String[]::new));
    return new Run(exitCode, out.toString(), err.toString());
  }

  @Test
  void reRunOnItsOwnOutputAfterTheServiceAccountSwitchedToDirectModeLeavesNoSidecar() throws Exception {
    Run metadataPass = inject();
    assertThat(metadataPass.exitCode()).as(metadataPass.stderr()).isZero();
    String directSa = SA.replace("    cloud.google.com/injection-mode: metadata\n", "");
    assertThat(directSa).isNotEqualTo(SA);
    // The output holds the metadata-mode ServiceAccount first: the edited one replaces it, as a user would do.
    String metadataDeployment = metadataPass.stdout().substring(metadataPass.stdout().indexOf("---", 1));
    Path rerunInput = Files.writeString(dir.resolve("rerun.yaml"), directSa + metadataDeployment);
    Path originalInput = Files.writeString(dir.resolve("original.yaml"), directSa + "---\n" + DEPLOYMENT);

    Run rerun = injectFiles(rerunInput);
    Run singleDirectPass = injectFiles(originalInput);

    assertThat(rerun.exitCode()).as(rerun.stderr()).isZero();
    PodSpec spec = template(rerun);
    assertThat(spec.getInitContainers()).isEmpty();
    assertThat(spec.getContainers()).extracting(Container::getName).containsExactly("web");
    assertThat(spec.getContainers().get(0).getEnv()).extracting(EnvVar::getName)
        .contains("GOOGLE_APPLICATION_CREDENTIALS").doesNotContain("GCE_METADATA_HOST");
    assertThat(rerun.stdout()).isEqualTo(singleDirectPass.stdout());
  }

  @Test
  void aUserContainerNamedLikeTheSidecarIsAOneLineErrorNamingTheWorkload() throws Exception {
    String deployment = DEPLOYMENT.replace("      image: nginx\n", "      image: nginx\n"
        + "      - name: gcp-metadata-server\n"
        + "        image: registry.example/my-metadata-emulator:2\n");
    assertThat(deployment).isNotEqualTo(DEPLOYMENT);
    Path input = Files.writeString(dir.resolve("all.yaml"), SA + "---\n" + deployment);

    Run run = injectFiles(input);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stdout()).isEmpty();
    assertThat(run.stderr().strip()).hasLineCount(1).startsWith("error: " + input)
        .endsWith("document 2: Deployment web: the pod already has"
        + " a container named \"gcp-metadata-server\" that is not the webhook's metadata server; rename it, as"
        + " metadata mode (cloud.google.com/injection-mode: metadata) needs that name for its sidecar");
  }

  @Test
  void anInvalidSidecarValueIsAUsageErrorOfOneLineAndAHint() throws Exception {
    Run run = inject("--sidecar-memory-request", "lots");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr().strip()).hasLineCount(2)
        .startsWith("error: sidecar memory request must be a Kubernetes quantity like 20m, 0.5, 96Mi or 1G, got \"lots\"")
        .endsWith("Try 'java -jar webhook.jar inject --help' for the flags and their values.");
  }

  @Test
  void helpShowsEverySidecarFlagWithItsEnvironmentVariableAndDefault() throws Exception {
    StringWriter out = new StringWriter();
    Main.commandLine(CommandLine.defaultFactory()).setOut(new PrintWriter(out)).execute("inject", "--help");

    assertThat(out.toString()).contains("--sidecar-image", "WEBHOOK_SIDECAR_IMAGE",
        "--sidecar-port", "8988", "--sidecar-health-port", "8989", "--sidecar-native", "--sidecar-cpu-request", "20m",
        "--sidecar-memory-request", "80Mi", "--sidecar-memory-limit", "128Mi", "--sidecar-log-level",
        "--sidecar-image-pull-policy", "WEBHOOK_SIDECAR_NATIVE");
  }

  @Test
  void theShippedMetadataExampleInjectsTheSidecar() {
    Path examples = Path.of("..", "examples", "inject");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode = Main.commandLine(CommandLine.defaultFactory()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(
        "inject", "-f", examples.resolve("service-account-metadata.yaml").toString(),
        "-f", examples.resolve("deployment.yaml").toString());

    assertThat(exitCode).as(err.toString()).isZero();
    Run run = new Run(exitCode, out.toString(), err.toString());
    assertThat(template(run).getInitContainers()).extracting(Container::getName).startsWith("gcp-metadata-server");
  }
}
