package dev.gcpwif.webhook.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = Main.commandLine(CommandLine.defaultFactory());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    cli.setUsageHelpWidth(240); // one line per option: descriptions are checked whole
    return cli.execute(args);
  }

  @Test
  void helpListsEveryFlagWithItsEnvironmentVariableAndDefault() {
    assertThat(run("serve", "--help")).isZero();
    String help = out.toString();
    String options = help.substring(help.indexOf("/metrics)."));

    List<String[]> flags = List.of(
        new String[] {"--address", "WEBHOOK_ADDRESS", "default: 0.0.0.0"},
        new String[] {"--port", "WEBHOOK_PORT", "default: 8443"},
        new String[] {"--metrics-bind-address", "WEBHOOK_METRICS_BIND_ADDRESS", "default: off"},
        new String[] {"--health-probe-bind-address", "WEBHOOK_HEALTH_PROBE_BIND_ADDRESS", "default: off"},
        new String[] {"--tls-cert-file", "WEBHOOK_TLS_CERT_FILE", "required"},
        new String[] {"--tls-key-file", "WEBHOOK_TLS_KEY_FILE", "required"},
        new String[] {"--cert-reload-interval", "WEBHOOK_CERT_RELOAD_INTERVAL", "default: 10s"},
        new String[] {"--shutdown-delay", "WEBHOOK_SHUTDOWN_DELAY", "default: 3s"},
        new String[] {"--shutdown-grace", "WEBHOOK_SHUTDOWN_GRACE", "default: 20s"},
        new String[] {"--kubeconfig", "WEBHOOK_KUBECONFIG", "default: none"},
        new String[] {"--informer-resync", "WEBHOOK_INFORMER_RESYNC", "default: 10m"},
        new String[] {"--serviceaccount-lookup-timeout", "WEBHOOK_SERVICEACCOUNT_LOOKUP_TIMEOUT", "default: 3s"},
        new String[] {"--serviceaccount-direct-reads-per-second", "WEBHOOK_SERVICEACCOUNT_DIRECT_READS_PER_SECOND",
            "default: 10"},
        new String[] {"--request-read-timeout", "WEBHOOK_REQUEST_READ_TIMEOUT", "default: 10s"},
        new String[] {"--idle-timeout", "WEBHOOK_IDLE_TIMEOUT", "default: 30s"},
        new String[] {"--tls-min-version", "WEBHOOK_TLS_MIN_VERSION", "default: VersionTLS12"},
        new String[] {"--tls-cipher-suites", "WEBHOOK_TLS_CIPHER_SUITES", "default: the JDK's"},
        new String[] {"--annotation-prefix", "WEBHOOK_ANNOTATION_PREFIX", "default: cloud.google.com"},
        new String[] {"--token-audience", "WEBHOOK_TOKEN_AUDIENCE", "default: sts.googleapis.com"},
        new String[] {"--token-expiration", "WEBHOOK_TOKEN_EXPIRATION", "default: 86400"},
        new String[] {"--token-default-mode", "WEBHOOK_TOKEN_DEFAULT_MODE", "default: 0444"},
        new String[] {"--gcp-default-region", "WEBHOOK_GCP_DEFAULT_REGION", "default: none"},
        new String[] {"--sidecar-image", "WEBHOOK_SIDECAR_IMAGE", "default: ghcr.io/gcp-wif/metadata-sidecar:0.1.0"},
        new String[] {"--sidecar-port", "WEBHOOK_SIDECAR_PORT", "default: 8988"},
        new String[] {"--sidecar-health-port", "WEBHOOK_SIDECAR_HEALTH_PORT", "default: 8989"},
        new String[] {"--sidecar-native", "WEBHOOK_SIDECAR_NATIVE", "default: true"},
        new String[] {"--sidecar-cpu-request", "WEBHOOK_SIDECAR_CPU_REQUEST", "default: 20m"},
        new String[] {"--sidecar-cpu-limit", "WEBHOOK_SIDECAR_CPU_LIMIT", "default: none"},
        new String[] {"--sidecar-memory-request", "WEBHOOK_SIDECAR_MEMORY_REQUEST", "default: 80Mi"},
        new String[] {"--sidecar-memory-limit", "WEBHOOK_SIDECAR_MEMORY_LIMIT", "default: 128Mi"},
        new String[] {"--sidecar-log-level", "WEBHOOK_SIDECAR_LOG_LEVEL", "the sidecar logs at info"},
        new String[] {"--sidecar-image-pull-policy", "WEBHOOK_SIDECAR_IMAGE_PULL_POLICY", "default: not set"});
    for (String[] flag : flags) {
      String description = optionText(options, flag[0]);
      assertThat(description).as(flag[0]).contains(flag[1]).contains(flag[2]);
    }
  }

  /** The option's line plus its wrapped continuation lines, joined. */
  private static String optionText(String options, String flag) {
    List<String> lines = options.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).trim().startsWith(flag + "=")) {
        StringBuilder text = new StringBuilder(lines.get(i).trim());
        for (int j = i + 1; j < lines.size() && !lines.get(j).trim().startsWith("-"); j++) {
          text.append(' ').append(lines.get(j).trim());
        }
        return text.toString();
      }
    }
    throw new AssertionError(flag + " missing from --help:\n" + options);
  }

  @Test
  void missingTlsFilesIsAOneLineError() {
    assertThat(run("serve", "--tls-cert-file", dir.resolve("tls.crt").toString(), "--tls-key-file",
        dir.resolve("tls.key").toString())).isEqualTo(2);

    assertThat(err.toString()).isEqualTo("webhook serve: " + dir.resolve("tls.crt") + ": no such file"
        + System.lineSeparator());
  }

  @Test
  void garbageCertificateIsAOneLineErrorNamingTheFile() throws Exception {
    Path cert = Files.writeString(dir.resolve("tls.crt"), "garbage");
    Path key = Files.writeString(dir.resolve("tls.key"), "garbage");

    assertThat(run("serve", "--tls-cert-file", cert.toString(), "--tls-key-file", key.toString())).isEqualTo(2);

    assertThat(err.toString()).startsWith("webhook serve: " + cert + ": no PEM certificate found")
        .doesNotContain("Exception");
  }

  @Test
  void invalidFlagValuesNameWhatIsExpected() {
    assertThat(run("serve", "--token-expiration", "60")).isEqualTo(2);
    assertThat(err.toString()).contains("at least 600 seconds");
    assertThat(run("serve", "--cert-reload-interval", "soon")).isEqualTo(2);
    assertThat(err.toString()).contains("'soon' is not a duration: expected a number with a unit ms, s, m, h or d");
    assertThat(run("serve", "--token-default-mode", "0999")).isEqualTo(2);
    assertThat(err.toString()).contains("'0999' is not a file mode");
  }

  @Test
  void deadlinesAndRatesOutOfRangeAreAUsageErrorNamingTheFlagAndTheValue() {
    String hint = "Try 'java -jar webhook.jar serve --help' for the flags and their values.";
    assertThat(run("serve", "--serviceaccount-lookup-timeout", "0s")).isEqualTo(2);
    assertThat(err.toString().strip())
        .isEqualTo("error: --serviceaccount-lookup-timeout must be positive, got 0s\n" + hint);
    err.getBuffer().setLength(0);
    assertThat(run("serve", "--serviceaccount-direct-reads-per-second", "-1")).isEqualTo(2);
    assertThat(err.toString().strip())
        .isEqualTo("error: --serviceaccount-direct-reads-per-second must be 0 or more, got -1\n" + hint);
    err.getBuffer().setLength(0);
    assertThat(run("serve", "--request-read-timeout", "0s")).isEqualTo(2);
    assertThat(err.toString().strip())
        .isEqualTo("error: --request-read-timeout and --idle-timeout must be positive, got 0s and 30s\n" + hint);
  }

  @Test
  void invalidSettingsAreAOneLineErrorBeforeAnythingStarts() {
    assertThat(run("serve", "--sidecar-port", "8989")).isEqualTo(2);
    assertThat(err.toString().strip()).hasLineCount(2).startsWith("error: sidecar port and health port must differ")
        .endsWith("Try 'java -jar webhook.jar serve --help' for the flags and their values.");
    assertThat(run("serve", "--annotation-prefix", "Not/A-Prefix")).isEqualTo(2);
    assertThat(err.toString()).contains("error: annotation prefix \"Not/A-Prefix\" is not a DNS subdomain")
        .doesNotContain("Exception");
  }
}
