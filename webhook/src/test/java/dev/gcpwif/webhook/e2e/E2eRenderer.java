package dev.gcpwif.webhook.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.Main;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/**
 * Step 1 of the end-to-end test: the production {@code webhook inject} command renders a Deployment with its
 * ServiceAccount, and the pod is made from the rendered template as the ReplicaSet controller would.
 */
final class E2eRenderer {
  static final Path RESOURCES = Path.of("src/test/resources/e2e");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private E2eRenderer() {}

  /**
   * @param flags extra {@code inject} flags (the sidecar's ports, so parallel runs don't collide)
   */
  static Pod render(String deploymentFile, String... flags) {
    List<String> args = new ArrayList<>(List.of("inject",
        "-f", RESOURCES.resolve("service-account.yaml").toString(), "-f", RESOURCES.resolve(deploymentFile).toString()));
    args.addAll(List.of(flags));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute(args.toArray(String[]::new));
    assertThat(exitCode).as("inject exit code, stderr: %s", err).isZero();

    Deployment deployment = Arrays.stream(out.toString().split("(?m)^---\\s*$"))
        .filter(document -> !document.isBlank())
        .map(document -> SERIALIZATION.unmarshal(document, HasMetadata.class))
        .filter(Deployment.class::isInstance).map(Deployment.class::cast)
        .findFirst().orElseThrow(() -> new AssertionError("no Deployment in inject's output:\n" + out));
    return new PodBuilder()
        .withMetadata(new ObjectMetaBuilder(deployment.getSpec().getTemplate().getMetadata())
            .withName(deployment.getMetadata().getName() + "-7d4b9c-x2x9q")
            .withNamespace(deployment.getMetadata().getNamespace())
            .build())
        .withSpec(deployment.getSpec().getTemplate().getSpec())
        .build();
  }
}
