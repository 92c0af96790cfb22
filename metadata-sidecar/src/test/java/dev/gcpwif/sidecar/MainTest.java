package dev.gcpwif.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.sidecar.cli.Flag;
import dev.gcpwif.sidecar.config.ListenAddress;
import dev.gcpwif.sidecar.config.SidecarSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import org.junit.jupiter.api.io.TempDir;

/** Start-up refusals: one clear line on stderr and exit status 2, before anything listens. */
class MainTest {
  private static final String HINT = "Try 'java -jar metadata-sidecar.jar --help' for the flags and their values.\n";

  @TempDir Path dir;

  @Test
  void helpListsEveryFlagWithItsDefault() {
    Run help = run("--help");
    assertThat(help.status).isZero();
    assertThat(help.stderr).isEmpty();
    assertThat(help.stdout).contains("--credentials", "--listen", "127.0.0.1:8988", "--project-id",
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

  private record Run(int status, String stdout, String stderr) {}

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
    return Main.FLAGS.flags().stream().filter(flag -> flag != Main.HELP && flag != Main.VERSION).map(Flag::name);
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
    String description = Main.LOG_LEVEL.description();
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
    String help = run("--help").stdout;

    assertThat(help).doesNotContainIgnoringCase("default: null");
    assertThat(help.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
    String joined = String.join(" ", help.lines().map(String::strip).toList());
    assertThat(joined).contains("https://www.googleapis.com/auth/cloud-platform", "-XX:ArchiveClassesAtExit=FILE",
        "token_lifetime_seconds", "GOOGLE_APPLICATION_CREDENTIALS");
    assertThat(Pattern.compile("[a-z0-9]\\. [a-z]").matcher(joined).results().map(MatchResult::group).toList())
        .as("a line ending in 'name.' followed by a lower-case continuation").isEmpty();
  }

  @Test
  void anUnknownFlagIsOneLineTheClosestFlagAndTheHint() {
    Run run = run("--credentials", "/x.json", "--listn", "127.0.0.1:8988");
    assertThat(run.status).isEqualTo(2);
    assertThat(run.stderr).isEqualTo("metadata-sidecar: unknown flag '--listn'\nDid you mean --listen?\n" + HINT);

    assertThat(run("--health=8989").stderr).contains("Did you mean --health-port?");
    assertThat(run("--colour").stderr).isEqualTo("metadata-sidecar: unknown flag '--colour'\n" + HINT);
  }

  @Test
  void aFlagWithoutItsValueIsAUsageError() {
    Run atTheEnd = run("--listen", "127.0.0.1:0", "--credentials");
    assertThat(atTheEnd.status).isEqualTo(2);
    assertThat(atTheEnd.stderr).isEqualTo("metadata-sidecar: --credentials: missing FILE at the end\n" + HINT);
    assertThat(run("--listen", "--health-port", "8989").stderr)
        .isEqualTo("metadata-sidecar: --listen: missing HOST:PORT before --health-port\n" + HINT);
  }

  @Test
  void versionIsTheManifestsOrSaysItIsADevelopmentBuild() {
    Run version = run("-V");
    assertThat(version.status).isZero();
    // Unit tests run from target/classes, which has no manifest; JarVersionsIT checks the jar's.
    assertThat(version.stdout).isEqualTo("metadata-sidecar (development build)\n");
    assertThat(run("--version").stdout).isEqualTo(version.stdout);
  }

  @Test
  void eachFlagOverridesItsEnvironmentVariableWhichOverridesTheDefault() throws Exception {
    Map<String, String> env = Map.of("GOOGLE_APPLICATION_CREDENTIALS", "/env.json",
        "SIDECAR_LISTEN", "127.0.0.1:7001,127.0.0.1:7002", "SIDECAR_HEALTH_PORT", "7003",
        "SIDECAR_SCOPES", "https://www.googleapis.com/auth/a", "SIDECAR_UPSTREAM_TIMEOUT", "4",
        "SIDECAR_PROJECT_ID", "env-project", "HOSTNAME", "pod-1");

    SidecarSettings fromEnv = Main.settings(Main.FLAGS.parse(new String[0], env), env);
    assertThat(fromEnv.credentials()).isEqualTo(Path.of("/env.json"));
    assertThat(fromEnv.listen()).extracting(ListenAddress::port).containsExactly(7001, 7002);
    assertThat(fromEnv.healthPort()).hasValue(7003);
    assertThat(fromEnv.scopes()).containsExactly("https://www.googleapis.com/auth/a");
    assertThat(fromEnv.upstreamTimeout()).isEqualTo(Duration.ofSeconds(4));
    assertThat(fromEnv.projectId()).hasValue("env-project");
    assertThat(fromEnv.hostname()).isEqualTo("pod-1");

    SidecarSettings flags = Main.settings(Main.FLAGS.parse(new String[] {"--credentials=/flag.json",
        "--listen", "127.0.0.1:8001", "--listen=127.0.0.1:8002,127.0.0.1:8003", "--health-port", "8004",
        "--scopes=https://www.googleapis.com/auth/b", "--upstream-timeout=5"}, env), env);
    assertThat(flags.credentials()).isEqualTo(Path.of("/flag.json"));
    assertThat(flags.listen()).extracting(ListenAddress::port).containsExactly(8001, 8002, 8003);
    assertThat(flags.healthPort()).hasValue(8004);
    assertThat(flags.scopes()).containsExactly("https://www.googleapis.com/auth/b");
    assertThat(flags.upstreamTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(flags.projectId()).as("not given as a flag: still the environment's").hasValue("env-project");

    SidecarSettings defaults = Main.settings(Main.FLAGS.parse(new String[0], Map.of()), Map.of("HOSTNAME", "pod-2"));
    assertThat(defaults.credentials()).isNull();
    assertThat(defaults.listen()).extracting(ListenAddress::toString).containsExactly("127.0.0.1:8988");
    assertThat(defaults.healthPort()).isEmpty();
    assertThat(defaults.scopes()).containsExactly("https://www.googleapis.com/auth/cloud-platform");
    assertThat(defaults.upstreamTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(defaults.projectId()).isEmpty();
    assertThat(defaults.tokenLifetimeSeconds()).isEmpty();
  }

  @Test
  void aBadValueFromTheEnvironmentIsAUsageErrorNamingTheVariable() {
    Run run = runWithEnv(Map.of("SIDECAR_HEALTH_PORT", "health"), "--credentials", "/x.json");
    assertThat(run.status).isEqualTo(2);
    assertThat(run.stderr).isEqualTo(
        "metadata-sidecar: --health-port 'health' (from SIDECAR_HEALTH_PORT): expected a whole number\n" + HINT);
    assertThat(runWithEnv(Map.of("SIDECAR_LOG_LEVEL", "loud"), "--credentials", "/x.json").stderr)
        .isEqualTo("metadata-sidecar: --log-level 'loud': expected error, warn, info, debug or trace\n" + HINT);
  }

  @Test
  void helpShowsEveryFlagsValueEnvironmentVariableAndDefault() {
    String help = run("--help").stdout;
    String joined = String.join(" ", help.lines().map(String::strip).toList());
    for (Flag flag : Main.FLAGS.flags()) {
      assertThat(help).as(flag.name()).contains("  " + String.join(", ", flag.names())
          + (flag.label() == null ? "\n" : " " + flag.label()));
      assertThat(joined).as(flag.name()).contains(flag.help());
      if (flag.env() != null) {
        assertThat(joined).contains("(env " + flag.env() + ")");
      }
      if (flag.defaultValue() != null) {
        assertThat(joined).contains("Default: " + flag.defaultValue());
      }
    }
    assertThat(help).contains("--listen HOST:PORT[,HOST:PORT...]", "--flag=VALUE");
  }

  private static Run run(String... args) {
    return runWithEnv(Map.of(), args);
  }

  /** {@link Main#run} with an environment of the test's own: the one the tests run in may set the variables. */
  private static Run runWithEnv(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      int status = Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8));
      return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
