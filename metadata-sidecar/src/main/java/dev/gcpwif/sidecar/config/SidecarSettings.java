package dev.gcpwif.sidecar.config;

import dev.gcpwif.sidecar.metadata.Identity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Everything the sidecar is started with, validated. */
public record SidecarSettings(
    Path credentials,
    List<ListenAddress> listen,
    OptionalInt healthPort,
    Optional<String> projectId,
    Optional<String> numericProjectId,
    List<String> scopes,
    Optional<Integer> tokenLifetimeSeconds,
    Duration upstreamTimeout,
    String hostname) {

  private static final Pattern SERVICE_ACCOUNT_PROJECT = Pattern.compile("^[^@]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\\.iam\\.gserviceaccount\\.com$");
  private static final Pattern DIGITS = Pattern.compile("\\d+");

  public SidecarSettings {
    listen = List.copyOf(listen);
    scopes = scopes.stream().map(String::trim).filter(s -> !s.isEmpty()).distinct().sorted().toList();
  }

  /** Checks what can be checked without the configuration file. */
  public void validate() throws ConfigException {
    if (listen.isEmpty()) {
      throw new ConfigException("--listen: at least one loopback HOST:PORT is required");
    }
    if (healthPort.isPresent()) {
      int port = healthPort.getAsInt();
      if (port < 0 || port > 65535) {
        throw new ConfigException("--health-port " + port + ": port must be a number between 0 and 65535");
      }
      for (ListenAddress address : listen) {
        if (port != 0 && address.port() == port) {
          throw new ConfigException("--health-port " + port + ": must differ from the metadata port of --listen "
              + address + " (the probe port is open to the network, the metadata port must stay loopback-only)");
        }
      }
    }
    if (scopes.isEmpty()) {
      throw new ConfigException("--scopes: at least one OAuth scope is required");
    }
    if (numericProjectId.isPresent() && !DIGITS.matcher(numericProjectId.get()).matches()) {
      throw new ConfigException("--numeric-project-id '" + numericProjectId.get() + "': expected digits only");
    }
    if (tokenLifetimeSeconds.isPresent() && (tokenLifetimeSeconds.get() < 600 || tokenLifetimeSeconds.get() > 43200)) {
      throw new ConfigException("--token-lifetime " + tokenLifetimeSeconds.get() + ": expected 600 to 43200 seconds");
    }
    if (upstreamTimeout.isNegative() || upstreamTimeout.isZero()) {
      throw new ConfigException("--upstream-timeout: expected a positive number of seconds");
    }
  }

  /**
   * The identity to report: the project from the flag, else from the impersonated account's email, else the
   * configuration's quota project; the project number from the flag, else from the workload identity provider.
   */
  public Identity identity(CredentialConfig config) {
    Optional<String> email = config.serviceAccountEmail();
    Optional<String> project = projectId.or(() -> email.flatMap(SidecarSettings::projectOf)).or(config::quotaProjectId);
    Optional<String> accountName = email.or(() -> project.map(p -> p + ".svc.id.goog"));
    return new Identity(project, numericProjectId.or(config::projectNumberFromAudience), email, accountName, scopes,
        config.universeDomain(), hostname);
  }

  private static Optional<String> projectOf(String email) {
    Matcher m = SERVICE_ACCOUNT_PROJECT.matcher(email);
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }
}
