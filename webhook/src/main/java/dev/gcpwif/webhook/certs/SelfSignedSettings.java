package dev.gcpwif.webhook.certs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What {@link SelfSignedCertificates} manages and for how long.
 *
 * @param namespace the webhook's own namespace: where the Secret and the Service live
 * @param secretName the Secret that holds the CA and serving pair shared by all replicas
 * @param webhookConfigName the MutatingWebhookConfiguration whose {@code caBundle} is kept equal to the CA(s)
 * @param serviceName the Service in front of the webhook, for the serving certificate's DNS names
 * @param clusterDomain the cluster's DNS domain, usually {@code cluster.local}
 * @param caValidity lifetime of a new CA
 * @param caRenewBefore a CA with less than this left is replaced (its successor is trusted alongside it)
 * @param certValidity lifetime of a new serving certificate (capped by the CA's)
 * @param certRenewBefore a serving certificate with less than this left is replaced
 * @param certFile where the serving certificate is written (PEM), for the HTTPS server to load
 * @param keyFile where the serving key is written (PKCS#8 PEM)
 */
public record SelfSignedSettings(
    String namespace,
    String secretName,
    String webhookConfigName,
    String serviceName,
    String clusterDomain,
    Duration caValidity,
    Duration caRenewBefore,
    Duration certValidity,
    Duration certRenewBefore,
    Path certFile,
    Path keyFile) {

  public SelfSignedSettings {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(secretName, "secretName");
    Objects.requireNonNull(webhookConfigName, "webhookConfigName");
    Objects.requireNonNull(serviceName, "serviceName");
    Objects.requireNonNull(clusterDomain, "clusterDomain");
    Objects.requireNonNull(certFile, "certFile");
    Objects.requireNonNull(keyFile, "keyFile");
    requireShorter(caRenewBefore, caValidity, "the CA's renew-before", "the CA's validity");
    requireShorter(certRenewBefore, certValidity, "the certificate's renew-before", "the certificate's validity");
    // Otherwise a serving certificate capped by an ageing CA would be due for renewal on every check.
    if (caRenewBefore.compareTo(certRenewBefore) < 0) {
      throw new IllegalArgumentException("the CA's renew-before (" + caRenewBefore
          + ") must be at least the certificate's renew-before (" + certRenewBefore + ")");
    }
  }

  /** The same settings writing the serving pair elsewhere. */
  public SelfSignedSettings withFiles(Path newCertFile, Path newKeyFile) {
    return new SelfSignedSettings(namespace, secretName, webhookConfigName, serviceName, clusterDomain, caValidity,
        caRenewBefore, certValidity, certRenewBefore, newCertFile, newKeyFile);
  }

  /** The names a client may use for the Service; the API server itself dials {@code <service>.<namespace>.svc}. */
  public List<String> dnsNames() {
    String svc = serviceName + "." + namespace + ".svc";
    return List.of(svc, serviceName, serviceName + "." + namespace, svc + "." + clusterDomain);
  }

  private static void requireShorter(Duration shorter, Duration longer, String shorterName, String longerName) {
    Objects.requireNonNull(shorter, shorterName);
    Objects.requireNonNull(longer, longerName);
    if (shorter.isNegative() || shorter.isZero() || shorter.compareTo(longer) >= 0) {
      throw new IllegalArgumentException(shorterName + " (" + shorter + ") must be positive and shorter than "
          + longerName + " (" + longer + ")");
    }
  }
}
