package dev.gcpwif.sidecar;

import dev.gcpwif.cli.SpaceWrappingHelp;
import dev.gcpwif.sidecar.config.ConfigException;
import dev.gcpwif.sidecar.config.ListenAddress;
import dev.gcpwif.sidecar.config.SidecarSettings;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar metadata-sidecar.jar [flags]}: a GCE metadata server for one pod, backed by workload identity federation. */
@Command(name = "metadata-sidecar", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    versionProvider = Main.Version.class,
    description = {
        "Serves the GCE metadata endpoints (tokens, ID tokens, project, service accounts) on loopback,",
        "exchanging the pod's projected ServiceAccount token through Google STS and service account impersonation.",
        "Every flag can also be given as the environment variable shown. Exit status 2: bad configuration."})
public final class Main implements Callable<Integer> {
  static final int EXIT_CONFIG = 2;

  @Option(names = "--credentials", paramLabel = "FILE", defaultValue = "${env:GOOGLE_APPLICATION_CREDENTIALS}",
      description = "external_account credential configuration (env GOOGLE_APPLICATION_CREDENTIALS). Required")
  Path credentials;

  @Option(names = "--listen", paramLabel = "HOST:PORT", split = ",",
      defaultValue = "${env:SIDECAR_LISTEN:-127.0.0.1:8988}",
      description = "loopback address to serve on; repeatable or comma-separated (env SIDECAR_LISTEN). Default: ${DEFAULT-VALUE}")
  List<String> listen = new ArrayList<>();

  @Option(names = "--health-port", paramLabel = "PORT", defaultValue = "${env:SIDECAR_HEALTH_PORT}",
      description = "also serve GET /healthz and /readyz (and nothing else) on this port on all interfaces, for "
          + "kubelet probes that go to the pod IP; must differ from the --listen ports (env SIDECAR_HEALTH_PORT). "
          + "Default: off")
  Integer healthPort;

  @Option(names = "--project-id", paramLabel = "ID", defaultValue = "${env:SIDECAR_PROJECT_ID}",
      description = "project/project-id (env SIDECAR_PROJECT_ID). Default: the project of the impersonated service "
          + "account, else the configuration's quota_project_id, else not served (404)")
  String projectId;

  @Option(names = "--numeric-project-id", paramLabel = "NUMBER", defaultValue = "${env:SIDECAR_NUMERIC_PROJECT_ID}",
      description = "project/numeric-project-id (env SIDECAR_NUMERIC_PROJECT_ID). Default: the project number in the "
          + "configuration's audience")
  String numericProjectId;

  @Option(names = "--scopes", paramLabel = "SCOPE", split = ",",
      defaultValue = "${env:SIDECAR_SCOPES:-https://www.googleapis.com/auth/cloud-platform}",
      description = "scopes of tokens requested without ?scopes= (env SIDECAR_SCOPES). Default: ${DEFAULT-VALUE}")
  List<String> scopes = new ArrayList<>();

  @Option(names = "--token-lifetime", paramLabel = "SECONDS", defaultValue = "${env:SIDECAR_TOKEN_LIFETIME}",
      description = "lifetime of impersonated access tokens, 600-43200 (env SIDECAR_TOKEN_LIFETIME). Default: the "
          + "configuration's token_lifetime_seconds (under service_account_impersonation), else 3600")
  Integer tokenLifetime;

  @Option(names = "--upstream-timeout", paramLabel = "SECONDS", defaultValue = "${env:SIDECAR_UPSTREAM_TIMEOUT:-10}",
      description = "timeout of each call to STS and IAM Credentials, and the longest a client waits for a token "
          + "that is not cached yet (env SIDECAR_UPSTREAM_TIMEOUT). Default: ${DEFAULT-VALUE}")
  int upstreamTimeoutSeconds;

  @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "${env:SIDECAR_LOG_LEVEL:-info}",
      description = "error, warn, info, debug or trace (debug logs each request line, never tokens) "
          + "(env SIDECAR_LOG_LEVEL). "
          + "Default: ${DEFAULT-VALUE}")
  String logLevel;

  @Option(names = "--train", description = "training run for an application class-data sharing archive: serve on an "
      + "ephemeral loopback port with a built-in configuration that needs no network, request each kind of path once "
      + "(the token is answered 503), check the answers and exit 0; every other flag is ignored. "
      + "Use with java -XX:ArchiveClassesAtExit=FILE")
  boolean train;

  /** The levels slf4j-simple knows, in the order the help lists them. */
  static final List<String> LOG_LEVELS = List.of("error", "warn", "info", "debug", "trace");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    int status = commandLine().execute(args);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** The command line as {@link #main} runs it: a usage error is one line and a hint, exit 2. */
  static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new Main());
    commandLine.setParameterExceptionHandler(Main::usageError);
    commandLine.setHelpFactory(SpaceWrappingHelp.FACTORY);
    return commandLine;
  }

  /** Picocli's default appends the whole help after the one line that matters. */
  private static int usageError(CommandLine.ParameterException e, String[] args) {
    java.io.PrintWriter err = e.getCommandLine().getErr();
    err.println("metadata-sidecar: " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Try 'java -jar metadata-sidecar.jar --help' for the flags and their values.");
    err.flush();
    return EXIT_CONFIG;
  }

  /** {@code -V}: the version Maven wrote into the jar's manifest, like the webhook's. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"metadata-sidecar " + (version == null ? "(development build)" : version)};
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    if (!LOG_LEVELS.contains(logLevel.toLowerCase(java.util.Locale.ROOT))) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--log-level '" + logLevel + "': expected "
          + String.join(", ", LOG_LEVELS.subList(0, LOG_LEVELS.size() - 1)) + " or " + LOG_LEVELS.get(LOG_LEVELS.size() - 1));
    }
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", logLevel.toLowerCase(java.util.Locale.ROOT));
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    if (train) {
      try {
        return TrainingRun.run();
      } catch (java.io.IOException e) {
        System.err.println("metadata-sidecar --train: " + e.getMessage());
        return 1;
      }
    }

    SidecarSettings settings;
    try {
      settings = settings();
      settings.validate();
    } catch (ConfigException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage()); // a flag's value: usage error
    }
    Sidecar sidecar;
    try {
      sidecar = Sidecar.start(settings);
    } catch (ConfigException e) {
      System.err.println("metadata-sidecar: " + e.getMessage());
      return EXIT_CONFIG;
    }
    org.slf4j.LoggerFactory.getLogger(Main.class).info("serving GCE metadata on {}{} for {} (project {}, number {})",
        listen, sidecar.healthPort().isPresent() ? " (probes also on *:" + sidecar.healthPort().getAsInt() + ")" : "",
        sidecar.identity().accountName().orElse("direct federated access"),
        sidecar.identity().projectId().orElse("unknown"), sidecar.identity().numericProjectId().orElse("unknown"));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      sidecar.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }

  SidecarSettings settings() throws ConfigException {
    List<ListenAddress> addresses = new ArrayList<>();
    for (String address : listen) {
      addresses.add(ListenAddress.parse(address));
    }
    return new SidecarSettings(credentials, addresses,
        healthPort == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(healthPort), blankToEmpty(projectId), blankToEmpty(numericProjectId), scopes,
        Optional.ofNullable(tokenLifetime), Duration.ofSeconds(upstreamTimeoutSeconds), hostname());
  }

  private static Optional<String> blankToEmpty(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  private static String hostname() {
    String fromEnv = System.getenv("HOSTNAME");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "localhost";
    }
  }
}
