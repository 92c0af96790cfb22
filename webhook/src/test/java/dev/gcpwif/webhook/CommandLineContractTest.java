package dev.gcpwif.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What a person typing at {@code webhook.jar} gets, for every flag of every command: the options are enumerated
 * from picocli's model, so a new flag fails {@link #everyFlagIsClassified} until it has a bad value here.
 */
class CommandLineContractTest {
  /** A value each flag refuses, by its longest name; the same for {@code serve} and {@code inject} when shared. */
  private static final Map<String, String> BAD_VALUES = Map.ofEntries(
      Map.entry("--port", "https"),
      Map.entry("--metrics-bind-address", "8080"),
      Map.entry("--health-probe-bind-address", "127.0.0.1:http"),
      Map.entry("--tls-min-version", "1.3"),
      Map.entry("--tls-cipher-suites", "AES128-GCM-SHA256"),
      Map.entry("--cert-reload-interval", "soon"),
      Map.entry("--shutdown-delay", "soon"),
      Map.entry("--shutdown-grace", "-3s"),
      Map.entry("--informer-resync", "10 minutes"),
      Map.entry("--audit-pods", "maybe"),
      Map.entry("--audit-resync", "0s"),
      Map.entry("--audit-lease", "Audit_Lease"),
      Map.entry("--serviceaccount-lookup-timeout", "0s"),
      Map.entry("--serviceaccount-direct-reads-per-second", "-1"),
      Map.entry("--request-read-timeout", "soon"),
      Map.entry("--idle-timeout", "a while"),
      Map.entry("--annotation-prefix", "Not/A-Prefix"),
      Map.entry("--token-audience", "two words"),
      Map.entry("--token-expiration", "60"),
      Map.entry("--token-default-mode", "0999"),
      Map.entry("--gcp-default-region", "Europe West"),
      Map.entry("--sidecar-image", ""),
      Map.entry("--sidecar-port", "70000"),
      Map.entry("--sidecar-health-port", "health"),
      Map.entry("--sidecar-native", "maybe"),
      Map.entry("--sidecar-cpu-request", "lots"),
      Map.entry("--sidecar-cpu-limit", "2 cores"),
      Map.entry("--sidecar-memory-request", "lots"),
      Map.entry("--sidecar-memory-limit", "128MB!"),
      Map.entry("--sidecar-log-level", "verbose"),
      Map.entry("--sidecar-image-pull-policy", "Sometimes"),
      Map.entry("--self-signed-certs", "maybe"),
      Map.entry("--self-signed-secret", "Bad_Name"),
      Map.entry("--webhook-config-name", "Bad_Name"),
      Map.entry("--service-name", "bad.name"),
      Map.entry("--service-namespace", "Bad_Namespace"),
      Map.entry("--cluster-domain", "Bad_Domain"),
      Map.entry("--self-signed-ca-validity", "forever"),
      Map.entry("--self-signed-ca-renew-before", "soon"),
      Map.entry("--self-signed-cert-validity", "90 days"),
      Map.entry("--self-signed-cert-renew-before", "-1h"),
      Map.entry("--self-signed-check-interval", "-10m"),
      Map.entry("--output", "yaml"),
      Map.entry("--exclude-namespace", "Bad_Namespace"));

  /**
   * Flags whose value has no form to check: what they name is only found at run time (a file to read, an address
   * to bind), and that failure is reported then, with exit status 1 for inject's input and 2 for serve's start.
   */
  private static final Set<String> CHECKED_WHEN_USED = Set.of(
      "--address", "--tls-cert-file", "--tls-key-file", "--kubeconfig", "--filename", "--service-account");

  /** The Go webhook's chart's flags that mean nothing here: any value is accepted, with a warning at start. */
  static final Set<String> IGNORED_GO_CHART_FLAGS = Set.of("--zap-devel", "--zap-log-level", "--zap-encoder",
      "--zap-stacktrace-level", "--zap-time-encoding", "--gcloud-image", "--setup-container-resources");

  /** Self-signed names are only checked when self-signed mode is on, which needs these too. */
  private static final Set<String> NEEDS_SELF_SIGNED = Set.of("--self-signed-secret", "--webhook-config-name",
      "--service-name", "--service-namespace", "--cluster-domain", "--self-signed-cert-renew-before",
      "--self-signed-check-interval");

  @TempDir static Path dir;

  record Run(int exitCode, String stdout, String stderr) {}

  private static Run run(int width, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Main.commandLine(CommandLine.defaultFactory());
    commandLine.setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
    if (width > 0) {
      commandLine.setUsageHelpWidth(width);
    }
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  private static Run run(String... args) {
    return run(0, args);
  }

  /** Every (subcommand, option) pair, the help and version options aside. */
  static Stream<Arguments> options() {
    CommandLine commandLine = Main.commandLine(CommandLine.defaultFactory());
    List<Arguments> options = new ArrayList<>();
    for (Map.Entry<String, CommandLine> subcommand : commandLine.getSubcommands().entrySet()) {
      for (OptionSpec option : subcommand.getValue().getCommandSpec().options()) {
        if (!option.usageHelp() && !option.versionHelp()) {
          options.add(Arguments.of(subcommand.getKey(), option.longestName()));
        }
      }
    }
    assertThat(options).hasSizeGreaterThan(40);
    return options.stream();
  }

  static Stream<Arguments> optionsWithABadValue() {
    return options().filter(arguments -> !CHECKED_WHEN_USED.contains((String) arguments.get()[1])
        && !IGNORED_GO_CHART_FLAGS.contains((String) arguments.get()[1]));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("options")
  void everyFlagIsClassified(String subcommand, String flag) {
    assertThat(BAD_VALUES.containsKey(flag) || CHECKED_WHEN_USED.contains(flag)
        || IGNORED_GO_CHART_FLAGS.contains(flag))
        .as("%s %s needs a bad value in BAD_VALUES (or a reason to be in CHECKED_WHEN_USED)", subcommand, flag)
        .isTrue();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("optionsWithABadValue")
  void aBadFlagValueIsOneLineAndAHintToHelpWithExitStatus2(String subcommand, String flag) throws Exception {
    String bad = BAD_VALUES.get(flag);
    List<String> args = new ArrayList<>(List.of(subcommand, flag + "=" + bad));
    if (subcommand.equals("inject") || subcommand.equals("audit")) {
      args.addAll(List.of("-f", serviceAccountFile().toString()));
    }
    if (NEEDS_SELF_SIGNED.contains(flag)) {
      args.addAll(List.of("--self-signed-certs", "--tls-cert-file=" + dir.resolve("tls.crt"),
          "--tls-key-file=" + dir.resolve("tls.key"), "--kubeconfig=" + kubeconfig()));
      if (!flag.equals("--service-namespace")) {
        args.add("--service-namespace=gcp-wif-system");
      }
    }

    Run run = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> run(args.toArray(String[]::new)));

    assertThat(run.exitCode()).as("exit status; stderr: %s", run.stderr()).isEqualTo(2);
    assertThat(run.stdout()).isEmpty();
    List<String> lines = run.stderr().lines().toList();
    assertThat(lines).as(run.stderr()).hasSize(2);
    assertThat(lines.get(0)).startsWith("error: ").contains(bad).doesNotContain("Exception");
    assertThat(lines.get(1)).isEqualTo("Try 'java -jar webhook.jar " + subcommand
        + " --help' for the flags and their values.");
  }

  @Test
  void theGoChartsIgnoredFlagsStartServeWithOneWarningLineEach() {
    Run run = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> run("serve", "--zap-devel", "--zap-log-level=info",
        "--zap-encoder=json", "--zap-stacktrace-level=error", "--zap-time-encoding=rfc3339",
        "--gcloud-image=google/cloud-sdk:slim", "--setup-container-resources={}"));

    List<String> warnings = run.stderr().lines().filter(line -> line.startsWith("warning: ")).toList();
    assertThat(warnings).as(run.stderr()).hasSize(7).allSatisfy(line -> assertThat(line).contains(" ignored: "));
    assertThat(warnings.get(0)).isEqualTo("warning: --zap-devel=true ignored: the Go webhook's logger (zap) setting;"
        + " ignored here, where logging is configured with logback");
    // Past the flags: what stops it is the missing serving pair, not the Go chart's arguments.
    assertThat(run.stderr()).contains("--tls-cert-file and --tls-key-file are required");
  }

  @ParameterizedTest
  @ValueSource(strings = {"serve", "inject", "audit"})
  void anUnknownFlagOrAMissingValueIsOneLineAndAHint(String subcommand) {
    for (String[] args : List.of(new String[] {subcommand, "--no-such-flag"}, new String[] {subcommand, "--port"})) {
      Run run = run(args);

      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.stderr().lines().filter(line -> line.startsWith("error: ")).count()).isEqualTo(1);
      assertThat(run.stderr().lines().count()).as(run.stderr()).isLessThanOrEqualTo(3); // + "Did you mean"
      assertThat(run.stderr()).endsWith("Try 'java -jar webhook.jar " + subcommand
          + " --help' for the flags and their values." + System.lineSeparator());
    }
  }

  @Test
  void withoutASubcommandTheHintIsTheTopLevelHelp() {
    Run run = run();

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr()).isEqualTo("error: a subcommand is required: serve, inject or audit" + System.lineSeparator()
        + "Try 'java -jar webhook.jar --help' for the flags and their values." + System.lineSeparator());
  }

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_~-]+(?:[./:@][A-Za-z0-9_~-]+)+");

  @ParameterizedTest
  @ValueSource(strings = {"", "serve", "inject", "audit"})
  void noHelpLineBreaksInsideADottedNameOrAFileName(String subcommand) {
    String[] help = subcommand.isEmpty() ? new String[] {"--help"} : new String[] {subcommand, "--help"};
    String unwrapped = run(2000, help).stdout();
    for (int width : new int[] {80, 100, 120}) {
      String wrapped = run(width, help).stdout();

      assertThat(names(String.join(" ", wrapped.lines().map(String::strip).toList())))
          .as("names in the help at width %d:%n%s", width, wrapped).isEqualTo(names(unwrapped));
      assertThat(wrapped.lines()).as("width %d", width).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(width));
    }
    if (!subcommand.isEmpty()) {
      assertThat(names(unwrapped)).containsKeys("cloud.google.com", "sts.googleapis.com");
    }
  }

  private static Map<String, Integer> names(String text) {
    Map<String, Integer> counts = new HashMap<>();
    Matcher matcher = NAME.matcher(text);
    while (matcher.find()) {
      counts.merge(matcher.group(), 1, Integer::sum);
    }
    return counts;
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "serve", "inject", "audit"})
  void noHelpShowsDefaultNull(String subcommand) {
    String[] help = subcommand.isEmpty() ? new String[] {"--help"} : new String[] {subcommand, "--help"};

    assertThat(run(2000, help).stdout()).doesNotContainIgnoringCase("default: null").doesNotContain("${");
  }

  @Test
  void theSidecarLogLevelHelpListsExactlyTheAcceptedLevels() throws Exception {
    OptionSpec option = Main.commandLine(CommandLine.defaultFactory()).getSubcommands().get("inject")
        .getCommandSpec().findOption("--sidecar-log-level");
    Matcher listed = Pattern.compile(": ((?:[a-z]+, )*[a-z]+ or [a-z]+) \\(").matcher(option.description()[0]);
    assertThat(listed.find()).as(option.description()[0]).isTrue();
    Set<String> levels = new TreeSet<>(Arrays.asList(listed.group(1).split(", | or ")));
    assertThat(levels).containsExactlyInAnyOrder("error", "warn", "info", "debug", "trace");
    Set<String> candidates = new TreeSet<>(levels);
    candidates.addAll(List.of("all", "off", "fatal", "warning", "verbose", "finest", "notice"));

    for (String level : candidates) {
      Run run = run("inject", "--sidecar-log-level=" + level, "-f", serviceAccountFile().toString());

      assertThat(run.exitCode()).as("%s: %s", level, run.stderr()).isEqualTo(levels.contains(level) ? 0 : 2);
    }
  }

  private static Path serviceAccountFile() throws Exception {
    return Files.writeString(dir.resolve("sa.yaml"), """
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: app
          annotations:
            cloud.google.com/workload-identity-provider: projects/123456789012/locations/global/workloadIdentityPools/on-prem/providers/cluster-a
        """);
  }

  /** A kubeconfig pointing at a closed loopback port: nothing in these tests may reach an API server. */
  private static Path kubeconfig() throws Exception {
    return Files.writeString(dir.resolve("kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
        users: [{name: u, user: {token: x}}]
        contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]
        current-context: x
        """);
  }
}
