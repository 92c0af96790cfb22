package dev.gcpwif.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.Model.OptionSpec;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Start-up refusals: one clear line on stderr and exit status 2, before anything listens. */
class MainTest {
  private static final String HINT = "Try 'java -jar metadata-sidecar.jar --help' for the flags and their values.\n";

  @TempDir Path dir;

  @Test
  void helpListsEveryFlagWithItsDefault() {
    StringWriter out = new StringWriter();
    int status = Main.commandLine().setOut(new PrintWriter(out)).execute("--help");
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
        + "the metadata endpoint must only be reachable from inside the pod (use 127.0.0.1)\n" + HINT);
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
        + "--listen 127.0.0.1:8988 (the probe port is open to the network, the metadata port must stay loopback-only)\n"
        + HINT);
    assertThat(run("--credentials", "/x.json", "--health-port", "70000").stderr)
        .contains("--health-port 70000: port must be a number between 0 and 65535").hasLineCount(2);
  }

  private record Run(int status, String stderr) {}

  /** A value each flag refuses; {@link #everyFlagHasABadValue} makes a new flag add one. */
  private static final Map<String, String> BAD_VALUES = Map.of(
      "--listen", "8988",
      "--health-port", "health",
      "--numeric-project-id", "my-project",
      "--scopes", "",
      "--token-lifetime", "60",
      "--upstream-timeout", "ten",
      "--log-level", "verbose",
      "--train", "maybe");
  /**
   * No form to check: --credentials names a file read at start (its problems are one line with exit status 2, tests
   * above), and --project-id is served as given.
   */
  private static final Set<String> CHECKED_WHEN_USED = Set.of("--credentials", "--project-id");

  static Stream<String> options() {
    return Main.commandLine().getCommandSpec().options().stream()
        .filter(option -> !option.usageHelp() && !option.versionHelp()).map(OptionSpec::longestName);
  }

  static Stream<String> optionsWithABadForm() {
    return options().filter(flag -> !CHECKED_WHEN_USED.contains(flag));
  }

  @ParameterizedTest
  @MethodSource("options")
  void everyFlagHasABadValue(String flag) {
    assertThat(BAD_VALUES.containsKey(flag) || CHECKED_WHEN_USED.contains(flag)).as(flag).isTrue();
  }

  @ParameterizedTest
  @MethodSource("optionsWithABadForm")
  void aBadFlagValueIsOneLineAndAHintWithExitStatus2(String flag) {
    Run run = run("--credentials", "/nonexistent.json", flag + "=" + BAD_VALUES.get(flag));

    assertThat(run.status).as(run.stderr).isEqualTo(2);
    assertThat(run.stderr).as(flag).startsWith("metadata-sidecar: ").contains(BAD_VALUES.get(flag)).endsWith(HINT)
        .hasLineCount(2).doesNotContain("Exception");
  }

  @Test
  void logLevelHelpListsExactlyTheAcceptedLevels() {
    String description = Main.commandLine().getCommandSpec().findOption("--log-level").description()[0];
    Matcher listed = Pattern.compile("^((?:[a-z]+, )*[a-z]+ or [a-z]+) ").matcher(description);
    assertThat(listed.find()).as(description).isTrue();
    List<String> levels = Arrays.asList(listed.group(1).split(", | or "));
    assertThat(levels).containsExactly("error", "warn", "info", "debug", "trace");

    for (String level : List.of("error", "warn", "info", "debug", "trace", "TRACE", "verbose", "all", "off", "fatal")) {
      Run run = run("--credentials", dir.resolve("absent.json").toString(), "--log-level", level);
      // An accepted level gets as far as reading the configuration file.
      assertThat(run.stderr).as(level).contains(levels.contains(level.toLowerCase(java.util.Locale.ROOT))
          ? "absent.json does not exist" : "--log-level '" + level + "': expected error, warn, info, debug or trace");
    }
  }

  @Test
  void helpHasNoDefaultNullAndNeverBreaksInsideADottedName() {
    StringWriter out = new StringWriter();
    Main.commandLine().setOut(new PrintWriter(out)).execute("--help");
    String help = out.toString();

    assertThat(help).doesNotContainIgnoringCase("default: null");
    assertThat(help.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
    String joined = String.join(" ", help.lines().map(String::strip).toList());
    assertThat(joined).contains("https://www.googleapis.com/auth/cloud-platform", "-XX:ArchiveClassesAtExit=FILE",
        "token_lifetime_seconds", "GOOGLE_APPLICATION_CREDENTIALS");
    assertThat(Pattern.compile("[a-z0-9]\\. [a-z]").matcher(joined).results().map(MatchResult::group).toList())
        .as("a line ending in 'name.' followed by a lower-case continuation").isEmpty();
  }

  private static Run run(String... args) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      StringWriter picocliErr = new StringWriter();
      int status = Main.commandLine().setErr(new PrintWriter(picocliErr)).execute(args);
      return new Run(status, captured.toString(StandardCharsets.UTF_8) + picocliErr);
    } finally {
      System.setErr(original);
    }
  }
}
