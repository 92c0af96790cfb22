package dev.gcpwif.webhook.inject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** {@code inject} on a pod whose YAML has a null where the mutation reads an object: exit 1 naming the field. */
class InjectNullEntriesTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "containers: [null]                                      | spec.containers[0] is null: expected a Container object",
      "containers: [{name: a, env: [null]}]                    | spec.containers[0].env[0] is null: expected an EnvVar object",
      "containers: [{name: a}], volumes: [null]                | spec.volumes[0] is null: expected a Volume object",
      "containers: [{name: a}], initContainers: [null]         | spec.initContainers[0] is null: expected a Container object",
  })
  void aNullEntryIsAnErrorNamingIt(String spec, String reason) throws Exception {
    Path manifest = Files.writeString(dir.resolve("pod.yaml"), """
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: app
          namespace: team-a
          annotations:
            cloud.google.com/workload-identity-provider: projects/1/locations/global/workloadIdentityPools/pool/providers/prov
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: team-a}
        spec: {serviceAccountName: app, %s}
        """.formatted(spec.strip()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute("inject", "-f", manifest.toString());

    assertThat(exit).as("exit; stderr %s", err).isEqualTo(1);
    assertThat(err.toString()).contains(reason.strip()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(out.toString()).isEmpty();
  }
}
