package dev.gcpwif.webhook.cli;

import dev.gcpwif.webhook.tls.TlsPolicy;
import picocli.CommandLine.Option;

/** The HTTPS listener's TLS versions and cipher suites, named as the Go webhook and kube-apiserver name them. */
public final class TlsOptions {
  @Option(names = "--tls-min-version", paramLabel = "VERSION", defaultValue = "${env:WEBHOOK_TLS_MIN_VERSION}",
      description = "Lowest TLS version served: VersionTLS12 or VersionTLS13; VersionTLS10 and VersionTLS11 are "
          + "raised to VersionTLS12 with a warning (env WEBHOOK_TLS_MIN_VERSION; default: VersionTLS12).")
  String minVersion;

  @Option(names = "--tls-cipher-suites", paramLabel = "SUITES", defaultValue = "${env:WEBHOOK_TLS_CIPHER_SUITES}",
      description = "Comma-separated IANA cipher suite names allowed for TLS 1.2, as kube-apiserver takes them; TLS "
          + "1.3 suites are restricted only if the list names some (env WEBHOOK_TLS_CIPHER_SUITES; default: the "
          + "JDK's enabled suites less weak ones).")
  String cipherSuites;

  /** Throws IllegalArgumentException with a one-line message for a value that cannot be used. */
  public TlsPolicy toPolicy() {
    return TlsPolicy.parse(minVersion, cipherSuites);
  }
}
