package dev.gcpwif.sidecar;

import dev.gcpwif.sidecar.cli.Arguments;
import dev.gcpwif.sidecar.cli.Flag;
import dev.gcpwif.sidecar.cli.Flag.Kind;
import dev.gcpwif.sidecar.cli.FlagTable;
import dev.gcpwif.sidecar.cli.UsageException;
import dev.gcpwif.sidecar.config.ConfigException;
import dev.gcpwif.sidecar.config.ListenAddress;
import dev.gcpwif.sidecar.config.SidecarSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;

/** {@code java -jar metadata-sidecar.jar [flags]}: a GCE metadata server for one pod, backed by workload identity federation. */
public final class Main {
  static final int EXIT_CONFIG = 2;
  static final String HINT = "Try 'java -jar metadata-sidecar.jar --help' for the flags and their values.";

  /** The levels slf4j-simple knows, in the order the help lists them. */
  static final List<String> LOG_LEVELS = List.of("error", "warn", "info", "debug", "trace");

  static final Flag CREDENTIALS = Flag.value("--credentials", Kind.TEXT, "FILE")
      .env("GOOGLE_APPLICATION_CREDENTIALS").whenAbsent("Required")
      .describedAs("external_account credential configuration");
  static final Flag LISTEN = Flag.value("--listen", Kind.LIST, "HOST:PORT").env("SIDECAR_LISTEN")
      .byDefault("127.0.0.1:8988").describedAs("loopback address to serve on; repeatable or comma-separated");
  static final Flag HEALTH_PORT = Flag.value("--health-port", Kind.NUMBER, "PORT").env("SIDECAR_HEALTH_PORT")
      .whenAbsent("Default: off")
      .describedAs("also serve GET /healthz and /readyz (and nothing else) on this port on all interfaces, for "
          + "kubelet probes that go to the pod IP; must differ from the --listen ports");
  static final Flag PROJECT_ID = Flag.value("--project-id", Kind.TEXT, "ID").env("SIDECAR_PROJECT_ID")
      .whenAbsent("Default: the project of the impersonated service account, else the configuration's "
          + "quota_project_id, else not served (404)")
      .describedAs("project/project-id");
  static final Flag NUMERIC_PROJECT_ID = Flag.value("--numeric-project-id", Kind.TEXT, "NUMBER")
      .env("SIDECAR_NUMERIC_PROJECT_ID").whenAbsent("Default: the project number in the configuration's audience")
      .describedAs("project/numeric-project-id");
  static final Flag SCOPES = Flag.value("--scopes", Kind.LIST, "SCOPE").env("SIDECAR_SCOPES")
      .byDefault("https://www.googleapis.com/auth/cloud-platform")
      .describedAs("scopes of tokens requested without ?scopes=; repeatable or comma-separated");
  static final Flag TOKEN_LIFETIME = Flag.value("--token-lifetime", Kind.NUMBER, "SECONDS")
      .env("SIDECAR_TOKEN_LIFETIME")
      .whenAbsent("Default: the configuration's token_lifetime_seconds (under service_account_impersonation), "
          + "else 3600")
      .describedAs("lifetime of impersonated access tokens, 600-43200");
  static final Flag UPSTREAM_TIMEOUT = Flag.value("--upstream-timeout", Kind.NUMBER, "SECONDS")
      .env("SIDECAR_UPSTREAM_TIMEOUT").byDefault("10")
      .describedAs("timeout of each call to STS and IAM Credentials, and the longest a client waits for a token "
          + "that is not cached yet");
  static final Flag LOG_LEVEL = Flag.value("--log-level", Kind.TEXT, "LEVEL").env("SIDECAR_LOG_LEVEL")
      .byDefault("info")
      .describedAs(oneOf(LOG_LEVELS) + " (debug logs each request line, never tokens)");
  static final Flag TRAIN = Flag.toggle("--train")
      .describedAs("training run for an application class-data sharing archive: serve on an ephemeral loopback "
          + "port with a built-in configuration that needs no network, request each kind of path once (the token "
          + "is answered 503), check the answers and exit 0; every other flag is ignored. "
          + "Use with java -XX:ArchiveClassesAtExit=FILE");
  static final Flag HELP = Flag.toggle("-h", "--help").describedAs("show this help and exit");
  static final Flag VERSION = Flag.toggle("-V", "--version").describedAs("print the version and exit");

  static final FlagTable FLAGS = new FlagTable("Usage: java -jar metadata-sidecar.jar [FLAG]...",
      List.of("Serves the GCE metadata endpoints (tokens, ID tokens, project, service accounts) on loopback, "
          + "exchanging the pod's projected ServiceAccount token through Google STS and service account "
          + "impersonation.",
          "Every flag can also be given as the environment variable shown. Exit status 2: bad configuration."),
      List.of(CREDENTIALS, LISTEN, HEALTH_PORT, PROJECT_ID, NUMERIC_PROJECT_ID, SCOPES, TOKEN_LIFETIME,
          UPSTREAM_TIMEOUT, LOG_LEVEL, TRAIN, HELP, VERSION));

  public static void main(String[] args) throws InterruptedException {
    int status = run(args, System.getenv(), System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * The whole command: returns the exit status, or serves until the JVM is stopped. A usage error is one line and a
   * hint, exit status 2; a configuration file that cannot be used is one line, status 2.
   */
  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err)
      throws InterruptedException {
    Arguments arguments;
    SidecarSettings settings;
    try {
      arguments = FLAGS.parse(args, env);
      if (arguments.isOn(HELP)) {
        out.print(FLAGS.help());
        return 0;
      }
      if (arguments.isOn(VERSION)) {
        out.println(version());
        return 0;
      }
      String logLevel = arguments.text(LOG_LEVEL).toLowerCase(Locale.ROOT);
      if (!LOG_LEVELS.contains(logLevel)) {
        throw new UsageException(LOG_LEVEL + " '" + arguments.text(LOG_LEVEL) + "': expected " + oneOf(LOG_LEVELS));
      }
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", logLevel);
      System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
      System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
      if (arguments.isOn(TRAIN)) {
        return train(err);
      }
      try {
        settings = settings(arguments, env);
        settings.validate();
      } catch (ConfigException e) {
        throw new UsageException(e.getMessage()); // a flag's value: a usage error, with the hint
      }
    } catch (UsageException e) {
      err.println("metadata-sidecar: " + e.getMessage());
      e.suggestion().ifPresent(flag -> err.println("Did you mean " + flag + "?"));
      err.println(HINT);
      return EXIT_CONFIG;
    }
    return serve(settings, arguments.list(LISTEN), err);
  }

  /** {@code -V}: the version Maven wrote into the jar's manifest, like the webhook's. */
  static String version() {
    String version = Main.class.getPackage().getImplementationVersion();
    return "metadata-sidecar " + (version == null ? "(development build)" : version);
  }

  private static int train(PrintStream err) throws InterruptedException {
    try {
      return TrainingRun.run();
    } catch (IOException e) {
      err.println("metadata-sidecar --train: " + e.getMessage());
      return 1;
    }
  }

  private static int serve(SidecarSettings settings, List<String> listen, PrintStream err)
      throws InterruptedException {
    Sidecar sidecar;
    try {
      sidecar = Sidecar.start(settings);
    } catch (ConfigException e) {
      err.println("metadata-sidecar: " + e.getMessage());
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

  private static String oneOf(List<String> choices) {
    return String.join(", ", choices.subList(0, choices.size() - 1)) + " or " + choices.get(choices.size() - 1);
  }

  static SidecarSettings settings(Arguments arguments, Map<String, String> env) throws ConfigException {
    List<ListenAddress> addresses = new ArrayList<>();
    for (String address : arguments.list(LISTEN)) {
      addresses.add(ListenAddress.parse(address));
    }
    String credentials = arguments.text(CREDENTIALS);
    Integer healthPort = arguments.number(HEALTH_PORT);
    return new SidecarSettings(credentials == null ? null : Path.of(credentials), addresses,
        healthPort == null ? OptionalInt.empty() : OptionalInt.of(healthPort),
        blankToEmpty(arguments.text(PROJECT_ID)), blankToEmpty(arguments.text(NUMERIC_PROJECT_ID)),
        arguments.list(SCOPES), Optional.ofNullable(arguments.number(TOKEN_LIFETIME)),
        Duration.ofSeconds(arguments.number(UPSTREAM_TIMEOUT)), hostname(env));
  }

  private static Optional<String> blankToEmpty(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  private static String hostname(Map<String, String> env) {
    String fromEnv = env.get("HOSTNAME");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
