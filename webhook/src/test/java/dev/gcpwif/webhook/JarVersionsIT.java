package dev.gcpwif.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code -V} of both jars is the build's version, so a bug report names one version for both. */
class JarVersionsIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @Test
  void bothJarsPrintTheVersionOfTheBuild() throws Exception {
    Matcher version = Pattern.compile("<artifactId>gcp-wif-parent</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(Files.readString(ROOT.resolve("pom.xml")));
    assertThat(version.find()).isTrue();

    assertThat(versionOf("webhook/target/webhook.jar")).isEqualTo("gcp-wif webhook " + version.group(1));
    assertThat(versionOf("metadata-sidecar/target/metadata-sidecar.jar"))
        .isEqualTo("metadata-sidecar " + version.group(1));
  }

  private static String versionOf(String jar) throws Exception {
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar, "-V").directory(ROOT.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output.strip();
  }
}
