package dev.gcpwif.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first commands, run as a new user runs them with their output redirected to a file: that file must be
 * YAML that {@code kubectl} and {@code inject} itself read. Maven is the real one with the README's flags and
 * redirections, asked for {@code validate} instead of {@code package}: the jars are this build's, and what matters is
 * what Maven writes to stdout (3.8 writes colour resets there even with {@code -B -q}).
 */
class QuickStartIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @TempDir Path dir;

  /** The quick start: the first {@code sh} block of README.md, up to the test command. */
  static String quickStart() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    int start = readme.indexOf("```sh\n") + "```sh\n".length();
    String block = readme.substring(start, readme.indexOf("```", start));
    int tests = block.indexOf("# Run every test");
    return tests < 0 ? block : block.substring(0, tests);
  }

  @Test
  void theQuickStartPrintsOnlyYamlThatInjectReadsBack() throws Exception {
    String commands = quickStart();
    assertThat(commands).contains("mvn ").contains("package")
        .contains("java -jar webhook/target/webhook.jar inject");
    Path script = Files.writeString(dir.resolve("quick-start.sh"), """
        set -euo pipefail
        mvn() {
          local args=()
          for arg in "$@"; do
            case "$arg" in package|-DskipTests) ;; *) args+=("$arg") ;; esac
          done
          command mvn -o "${args[@]}" validate
        }
        """ + commands);
    Path stdout = dir.resolve("out.yaml");

    Process process = new ProcessBuilder("bash", script.toString()).directory(ROOT.toFile())
        .redirectOutput(stdout.toFile()).redirectError(dir.resolve("err.txt").toFile()).start();
    assertThat(process.waitFor(180, TimeUnit.SECONDS)).as("the quick start finished").isTrue();
    assertThat(process.exitValue()).as(Files.readString(dir.resolve("err.txt"))).isZero();

    byte[] bytes = Files.readAllBytes(stdout);
    assertThat(bytes).isNotEmpty();
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      assertThat(b >= 0x20 || b == '\n' || b == '\t').as("byte %d of the output is 0x%02x", i, b).isTrue();
    }
    String yaml = new String(bytes, StandardCharsets.UTF_8);
    Object parsed = new KubernetesSerialization().unmarshal(yaml);
    List<?> objects = parsed instanceof List<?> list ? list : List.of(parsed);
    assertThat(objects).hasSize(2).allSatisfy(object -> assertThat(object).isInstanceOf(HasMetadata.class));
    assertThat(objects).extracting(object -> ((HasMetadata) object).getKind())
        .containsExactly("ServiceAccount", "Deployment");

    Process again = new ProcessBuilder(javaBin(), "-jar", "webhook/target/webhook.jar", "inject", "-f",
        stdout.toString()).directory(ROOT.toFile()).redirectErrorStream(true).start();
    String output = new String(again.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(again.exitValue()).as(output).isZero();
    assertThat(output).as("a second pass over its own output changes nothing").isEqualTo(yaml);
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
