package dev.gcpwif.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Start-up refusals: one clear line on stderr and exit status 2, before anything listens. */
class MainTest {
  @TempDir Path dir;

  @Test
  void helpListsEveryFlagWithItsDefault() {
    StringWriter out = new StringWriter();
    int status = new CommandLine(new Main()).setOut(new PrintWriter(out)).execute("--help");
    assertThat(status).isZero();
    assertThat(out.toString()).contains("--credentials", "--listen", "127.0.0.1:8988", "--project-id",
        "--numeric-project-id", "--scopes", "auth/cloud-platform", "--token-lifetime",
        "--upstream-timeout", "--log-level", "--health-port", "SIDECAR_HEALTH_PORT", "SIDECAR_LISTEN", "GOOGLE_APPLICATION_CREDENTIALS");
  }

  @Test
  void missingConfigurationFileFailsWithOneLine() {
    Run run = run("--credentials", dir.resolve("absent.json").toString(), "--listen", "127.0.0.1:0");
    assertThat(run.status).isEqualTo(2);
    assertThat(run.stderr).isEqualTo("metadata-sidecar: credential configuration " + dir.resolve("absent.json")
        + " does not exist\n");
  }

  @Test
  void malformedConfigurationFailsWithOneLine() throws Exception {
    Path config = Files.writeString(dir.resolve("bad.json"), "{\"type\": \"external_account\", ");
    Run run = run("--credentials", config.toString(), "--listen", "127.0.0.1:0");
    assertThat(run.status).isEqualTo(2);
    assertThat(run.stderr).isEqualTo("metadata-sidecar: credential configuration " + config + " is not valid JSON\n");
  }

  @Test
  void configurationOfAnotherTypeIsRefusedNamingTheExpectedType() throws Exception {
    Path config = Files.writeString(dir.resolve("sa.json"), "{\"type\": \"service_account\"}");
    Run run = run("--credentials", config.toString(), "--listen", "127.0.0.1:0");
    assertThat(run.status).isEqualTo(2);
    assertThat(run.stderr).contains("\"type\" is 'service_account', expected 'external_account'").hasLineCount(1);
  }

  @Test
  void plainHttpTokenUrlIsRefusedAsGoogleAuthWouldAtEveryRefresh() throws Exception {
    Path config = Files.writeString(dir.resolve("http.json"), "{\"type\":\"external_account\",\"audience\":\"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q\","
        + "\"subject_token_type\":\"urn:ietf:params:oauth:token-type:jwt\",\"token_url\":\"http://sts.example/v1/token\","
        + "\"credential_source\":{\"file\":\"/var/run/token\"}}");
    Run run = run("--credentials", config.toString(), "--listen", "127.0.0.1:0");
    assertThat(run.status).isEqualTo(2);
    assertThat(run.stderr).contains("not usable by google-auth").hasLineCount(1);
  }

  @Test
  void nonLoopbackListenAddressIsRefused() {
    Run run = run("--credentials", "/nonexistent.json", "--listen", "0.0.0.0:8988");
    assertThat(run.status).isEqualTo(2);
    assertThat(run.stderr).isEqualTo("metadata-sidecar: --listen '0.0.0.0:8988': refusing non-loopback address 0.0.0.0; "
        + "the metadata endpoint must only be reachable from inside the pod (use 127.0.0.1)\n");
  }

  @Test
  void malformedListenAddressAndBadNumbersAreRefused() {
    assertThat(run("--credentials", "/x.json", "--listen", "8988").stderr).contains("expected HOST:PORT");
    assertThat(run("--credentials", "/x.json", "--numeric-project-id", "my-project").stderr)
        .contains("--numeric-project-id 'my-project': expected digits only");
    assertThat(run("--credentials", "/x.json", "--token-lifetime", "60").stderr).contains("expected 600 to 43200 seconds");
    assertThat(run("--credentials", "/x.json", "--log-level", "loud").status).isEqualTo(2);
  }

  @Test
  void healthPortEqualToAMetadataPortIsRefusedBeforeAnythingListens() {
    Run run = run("--credentials", "/x.json", "--listen", "127.0.0.1:8988", "--health-port", "8988");
    assertThat(run.status).isEqualTo(2);
    assertThat(run.stderr).isEqualTo("metadata-sidecar: --health-port 8988: must differ from the metadata port of "
        + "--listen 127.0.0.1:8988 (the probe port is open to the network, the metadata port must stay loopback-only)\n");
    assertThat(run("--credentials", "/x.json", "--health-port", "70000").stderr)
        .contains("--health-port 70000: port must be a number between 0 and 65535").hasLineCount(1);
  }

  private record Run(int status, String stderr) {}

  private static Run run(String... args) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      StringWriter picocliErr = new StringWriter();
      int status = new CommandLine(new Main()).setErr(new PrintWriter(picocliErr)).execute(args);
      return new Run(status, captured.toString(StandardCharsets.UTF_8) + picocliErr);
    } finally {
      System.setErr(original);
    }
  }
}
