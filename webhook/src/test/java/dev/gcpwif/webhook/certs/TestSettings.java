package dev.gcpwif.webhook.certs;

import java.nio.file.Path;
import java.time.Duration;

final class TestSettings {

  static final String NAMESPACE = "gcp-wif-system";
  static final String SECRET = "gcp-wif-webhook-tls";
  static final String WEBHOOK_CONFIG = "gcp-wif-webhook";
  static final String SERVICE = "gcp-wif-webhook";
  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  static final Duration CA_RENEW_BEFORE = Duration.ofDays(365);
  static final Duration CERT_VALIDITY = Duration.ofDays(90);
  static final Duration CERT_RENEW_BEFORE = Duration.ofDays(30);

  private TestSettings() {}

  static SelfSignedSettings in(Path directory) {
    return new SelfSignedSettings(NAMESPACE, SECRET, WEBHOOK_CONFIG, SERVICE, "cluster.local", CA_VALIDITY,
        CA_RENEW_BEFORE, CERT_VALIDITY, CERT_RENEW_BEFORE, directory.resolve("tls/tls.crt"),
        directory.resolve("tls/tls.key"));
  }
}
