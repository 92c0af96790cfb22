package dev.gcpwif.sidecar;

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
    version = "metadata-sidecar 0.1.0",
    description = {
        "Serves the GCE metadata endpoints (tokens, ID tokens, project, service accounts) on loopback,",
        "exchanging the pod's projected ServiceAccount token through Google STS and service account impersonation.",
        "Every flag can also be given as the environment variable shown. Exit status 2: bad configuration."})
public final class Main implements Callable<Integer> {
  static final int EXIT_CONFIG = 2;

  @Option(names = "--credentials", paramLabel = "FILE", defaultValue = "${env:GOOGLE_APPLICATION_CREDENTIALS}",
      description = "external_account credential configuration (env GOOGLE_APPLICATION_CREDENTIALS). Default: ${DEFAULT-VALUE}")
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
          + "configuration's service_account_impersonation.token_lifetime_seconds, else 3600")
  Integer tokenLifetime;

  @Option(names = "--upstream-timeout", paramLabel = "SECONDS", defaultValue = "${env:SIDECAR_UPSTREAM_TIMEOUT:-10}",
      description = "timeout of each call to STS and IAM Credentials, and the longest a client waits for a token "
          + "that is not cached yet (env SIDECAR_UPSTREAM_TIMEOUT). Default: ${DEFAULT-VALUE}")
  int upstreamTimeoutSeconds;

  @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "${env:SIDECAR_LOG_LEVEL:-info}",
      description = "error, warn, info or debug (debug logs each request line, never tokens) (env SIDECAR_LOG_LEVEL). "
          + "Default: ${DEFAULT-VALUE}")
  String logLevel;

  @Option(names = "--train", description = "training run for an application class-data sharing archive: serve on an "
      + "ephemeral loopback port with a built-in configuration that needs no network, request each kind of path once "
      + "(the token is answered 503), check the answers and exit 0; every other flag is ignored. "
      + "Use with java -XX:ArchiveClassesAtExit=FILE")
  boolean train;

  public static void main(String[] args) {
    int status = new CommandLine(new Main()).execute(args);
    if (status != 0) {
      System.exit(status);
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    if (!List.of("error", "warn", "info", "debug", "trace").contains(logLevel.toLowerCase(java.util.Locale.ROOT))) {
      System.err.println("metadata-sidecar: --log-level '" + logLevel + "': expected error, warn, info or debug");
      return EXIT_CONFIG;
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

    Sidecar sidecar;
    try {
      sidecar = Sidecar.start(settings());
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
