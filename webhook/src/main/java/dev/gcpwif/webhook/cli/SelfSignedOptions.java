package dev.gcpwif.webhook.cli;

import dev.gcpwif.webhook.certs.SelfSignedSettings;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The {@code serve} flags of self-signed mode, as a picocli mixin ({@code @Mixin SelfSignedOptions}). Every flag also
 * reads an environment variable; the flag wins.
 */
public final class SelfSignedOptions {

  @Option(names = "--self-signed-certs", defaultValue = "${env:GCP_WIF_SELF_SIGNED_CERTS:-false}",
      description = "Create and renew the webhook's own CA and serving certificate, keep them in a Secret shared by "
          + "all replicas, write the serving pair to --tls-cert-file/--tls-key-file and keep the webhook "
          + "configuration's caBundle up to date (no cert-manager needed). Env: GCP_WIF_SELF_SIGNED_CERTS.")
  boolean enabled;

  @Option(names = "--self-signed-secret", paramLabel = "NAME",
      defaultValue = "${env:GCP_WIF_SELF_SIGNED_SECRET:-gcp-wif-webhook-tls}",
      description = "Secret (in the webhook's namespace) holding the CA and serving certificate. Default: "
          + "${DEFAULT-VALUE}. Env: GCP_WIF_SELF_SIGNED_SECRET.")
  String secretName;

  @Option(names = "--webhook-config-name", paramLabel = "NAME",
      defaultValue = "${env:GCP_WIF_WEBHOOK_CONFIG_NAME:-gcp-wif-webhook}",
      description = "MutatingWebhookConfiguration whose caBundle is kept equal to the CA. Default: ${DEFAULT-VALUE}. "
          + "Env: GCP_WIF_WEBHOOK_CONFIG_NAME.")
  String webhookConfigName;

  @Option(names = "--service-name", paramLabel = "NAME", defaultValue = "${env:GCP_WIF_SERVICE_NAME:-gcp-wif-webhook}",
      description = "Service in front of the webhook; its DNS names go into the serving certificate. Default: "
          + "${DEFAULT-VALUE}. Env: GCP_WIF_SERVICE_NAME.")
  String serviceName;

  @Option(names = "--service-namespace", paramLabel = "NAMESPACE", defaultValue = "${env:POD_NAMESPACE}",
      description = "The webhook's own namespace (Service and Secret). Default: env POD_NAMESPACE (downward API), "
          + "else the namespace of the pod's ServiceAccount token.")
  String namespace;

  @Option(names = "--cluster-domain", paramLabel = "DOMAIN", defaultValue = "${env:GCP_WIF_CLUSTER_DOMAIN:-cluster.local}",
      description = "Cluster DNS domain, for the <service>.<namespace>.svc.<domain> name. Default: ${DEFAULT-VALUE}. "
          + "Env: GCP_WIF_CLUSTER_DOMAIN.")
  String clusterDomain;

  @Option(names = "--self-signed-ca-validity", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:GCP_WIF_SELF_SIGNED_CA_VALIDITY:-87600h}",
      description = "Lifetime of a new CA. Default: ${DEFAULT-VALUE} (10 years). Env: GCP_WIF_SELF_SIGNED_CA_VALIDITY.")
  Duration caValidity;

  @Option(names = "--self-signed-ca-renew-before", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:GCP_WIF_SELF_SIGNED_CA_RENEW_BEFORE:-8760h}",
      description = "Replace the CA when less than this is left; the old CA stays trusted until it expires. "
          + "Default: ${DEFAULT-VALUE} (1 year). Env: GCP_WIF_SELF_SIGNED_CA_RENEW_BEFORE.")
  Duration caRenewBefore;

  @Option(names = "--self-signed-cert-validity", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:GCP_WIF_SELF_SIGNED_CERT_VALIDITY:-2160h}",
      description = "Lifetime of a new serving certificate. Default: ${DEFAULT-VALUE} (90 days). "
          + "Env: GCP_WIF_SELF_SIGNED_CERT_VALIDITY.")
  Duration certValidity;

  @Option(names = "--self-signed-cert-renew-before", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:GCP_WIF_SELF_SIGNED_CERT_RENEW_BEFORE:-720h}",
      description = "Replace the serving certificate when less than this is left. Default: ${DEFAULT-VALUE} "
          + "(30 days). Env: GCP_WIF_SELF_SIGNED_CERT_RENEW_BEFORE.")
  Duration certRenewBefore;

  @Option(names = "--self-signed-check-interval", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:GCP_WIF_SELF_SIGNED_CHECK_INTERVAL:-10m}",
      description = "How often each replica re-reads the Secret, renews what is due and checks the caBundle. "
          + "Default: ${DEFAULT-VALUE}. Env: GCP_WIF_SELF_SIGNED_CHECK_INTERVAL.")
  Duration checkInterval;

  public boolean enabled() {
    return enabled;
  }

  public Duration checkInterval() {
    return checkInterval;
  }

  /**
   * The settings these flags describe.
   *
   * @param certFile the server's {@code --tls-cert-file}, where the serving certificate is written
   * @param keyFile the server's {@code --tls-key-file}
   * @param namespaceFallback used when neither the flag nor POD_NAMESPACE is set (e.g. the Kubernetes client's
   *     namespace, read from the ServiceAccount token mount); may be null
   * @throws IllegalArgumentException naming the flag and what it expects
   */
  public SelfSignedSettings toSettings(Path certFile, Path keyFile, String namespaceFallback) {
    if (certFile == null || keyFile == null) {
      throw new IllegalArgumentException("--self-signed-certs needs --tls-cert-file and --tls-key-file: the files the "
          + "serving certificate and key are written to (e.g. under an emptyDir such as /tmp/tls)");
    }
    String effectiveNamespace = blankToNull(namespace) != null ? namespace.strip() : blankToNull(namespaceFallback);
    if (effectiveNamespace == null) {
      throw new IllegalArgumentException("--self-signed-certs needs the webhook's namespace: set --service-namespace "
          + "or the POD_NAMESPACE env variable (downward API fieldRef metadata.namespace)");
    }
    KubernetesNames.requireMatch("--service-namespace", effectiveNamespace, KubernetesNames.DNS_LABEL,
        "a namespace name (DNS-1123 label)");
    KubernetesNames.requireMatch("--service-name", serviceName, KubernetesNames.DNS_LABEL,
        "a Service name (DNS-1123 label)");
    KubernetesNames.requireObjectName("--self-signed-secret", secretName, "a Secret name");
    KubernetesNames.requireObjectName("--webhook-config-name", webhookConfigName, "an object name");
    KubernetesNames.requireMatch("--cluster-domain", clusterDomain, KubernetesNames.DNS_SUBDOMAIN,
        "a DNS domain such as cluster.local");
    requirePositive("--self-signed-check-interval", checkInterval);
    requireShorter("--self-signed-ca-renew-before", caRenewBefore, "--self-signed-ca-validity", caValidity);
    requireShorter("--self-signed-cert-renew-before", certRenewBefore, "--self-signed-cert-validity", certValidity);
    if (caRenewBefore.compareTo(certRenewBefore) < 0) {
      throw new IllegalArgumentException("--self-signed-ca-renew-before (" + caRenewBefore + ") must be at least "
          + "--self-signed-cert-renew-before (" + certRenewBefore + "): a serving certificate never outlives its CA");
    }
    return new SelfSignedSettings(effectiveNamespace, secretName, webhookConfigName, serviceName, clusterDomain,
        caValidity, caRenewBefore, certValidity, certRenewBefore, certFile, keyFile);
  }

  private static void requirePositive(String flag, Duration value) {
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(flag + ": " + value + " must be positive");
    }
  }

  private static void requireShorter(String shortFlag, Duration shorter, String longFlag, Duration longer) {
    requirePositive(shortFlag, shorter);
    if (shorter.compareTo(longer) >= 0) {
      throw new IllegalArgumentException(shortFlag + " (" + shorter + ") must be shorter than " + longFlag + " ("
          + longer + ")");
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
