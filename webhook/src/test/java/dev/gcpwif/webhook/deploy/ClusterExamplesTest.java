package dev.gcpwif.webhook.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.Main;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** examples/cluster: the files parse, and {@code webhook inject} (the webhook's own mutation) injects them. */
class ClusterExamplesTest {

  private static final Path EXAMPLES = Kustomize.repositoryRoot().resolve("examples/cluster");

  @ParameterizedTest
  @ValueSource(strings = {"file-mode.yaml", "metadata-mode.yaml"})
  void eachExampleIsANamespaceAnOptedInServiceAccountAndADeploymentRunningAsIt(String file) throws Exception {
    List<HasMetadata> objects = Kustomize.parse(Files.readString(EXAMPLES.resolve(file)));
    ServiceAccount account = only(objects, ServiceAccount.class);
    Deployment deployment = only(objects, Deployment.class);

    assertThat(objects).extracting(HasMetadata::getKind)
        .containsExactly("Namespace", "ServiceAccount", "Deployment");
    assertThat(account.getMetadata().getAnnotations().get("cloud.google.com/workload-identity-provider"))
        .matches("projects/[0-9]+/locations/global/workloadIdentityPools/[a-z0-9-]+/providers/[a-z0-9-]+");
    assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo(account.getMetadata().getName());
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo(account.getMetadata().getNamespace())
        .isEqualTo(objects.get(0).getMetadata().getName());
  }

  @Test
  void fileModeGetsTheTokenVolumeAndTheCredentialEnvironment() throws Exception {
    PodSpec pod = injectedPod("file-mode.yaml");

    assertThat(envNames(pod)).contains("GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE",
        "BOTO_PATH", "GOOGLE_CLOUD_PROJECT");
    assertThat(tokenAudiences(pod)).containsExactly("sts.googleapis.com");
  }

  @Test
  void metadataModeIsInjectedAndKeepsTheFileModeToken() throws Exception {
    Path file = EXAMPLES.resolve("metadata-mode.yaml");
    ServiceAccount account = only(Kustomize.parse(Files.readString(file)), ServiceAccount.class);
    PodSpec original = only(Kustomize.parse(Files.readString(file)), Deployment.class).getSpec().getTemplate()
        .getSpec();
    PodSpec pod = injectedPod("metadata-mode.yaml");

    assertThat(account.getMetadata().getAnnotations()).containsEntry("cloud.google.com/injection-mode", "metadata");
    assertThat(pod).isNotEqualTo(original);
    assertThat(tokenAudiences(pod)).containsExactly("sts.googleapis.com");
    assertThat(envNames(pod)).isNotEmpty();
  }

  /** Runs {@code webhook.jar inject -f <example>} in-process and returns the Deployment's mutated pod template. */
  private static PodSpec injectedPod(String file) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int exitCode = cli.execute("inject", "-f", EXAMPLES.resolve(file).toString());

    assertThat(exitCode).as("inject %s: %s", file, err).isZero();
    return only(Kustomize.parse(out.toString()), Deployment.class).getSpec().getTemplate().getSpec();
  }

  private static List<String> envNames(PodSpec pod) {
    return pod.getContainers().stream().filter(container -> container.getName().equals("batch")
            || container.getName().equals("report"))
        .flatMap(container -> container.getEnv().stream()).map(EnvVar::getName).toList();
  }

  private static List<String> tokenAudiences(PodSpec pod) {
    return pod.getVolumes().stream().map(Volume::getProjected).filter(Objects::nonNull)
        .flatMap(projected -> projected.getSources().stream()).map(VolumeProjection::getServiceAccountToken)
        .filter(Objects::nonNull).map(token -> token.getAudience()).toList();
  }

  private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
    List<T> matches = objects.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(matches).as(type.getSimpleName()).hasSize(1);
    return matches.get(0);
  }
}
