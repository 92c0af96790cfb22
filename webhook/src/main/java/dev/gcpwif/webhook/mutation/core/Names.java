package dev.gcpwif.webhook.mutation.core;

/**
 * Every name the webhook reads from or writes into a pod: annotation keys (under one prefix, {@code cloud.google.com}
 * unless {@code --annotation-prefix} says otherwise), volumes, paths, containers and environment variables. The
 * ServiceAccount keys are those of the Go webhook this project replaces, so existing ServiceAccounts keep working; the
 * volume, path and container names are a contract for users ({@code kubectl logs POD -c gcp-metadata-server}) and for
 * receipts written by earlier passes.
 */
public record Names(String prefix) {

  // Volumes and files. The directory is the Go webhook's token path, so a configuration written for it
  // (credential_source.file) points at the same token here.
  /** The projected volume with the token, the credential configuration and the boto file. */
  public static final String CREDENTIALS_VOLUME = "gcp-workload-identity";
  /** Metadata mode: the app containers' volume, the boto file alone (the token stays in the sidecar's volume). */
  public static final String BOTO_VOLUME = "gcp-workload-identity-boto";
  /**
   * Metadata mode: the sidecar's scratch emptyDir for {@code /tmp}. Its root filesystem is read-only, and the JVM writes {@code /tmp/hsperfdata_<user>} at start (and Jetty may create
   * temp directories): an emptyDir keeps both working without JVM flags in the pod spec, so the container's args stay
   * the jar's own flags.
   */
  public static final String SIDECAR_TMP_VOLUME = "gcp-metadata-server-tmp";
  public static final String MOUNT_PATH = "/var/run/secrets/sts.googleapis.com/serviceaccount";
  public static final String TOKEN_FILE = "token";
  public static final String CREDENTIALS_FILE = "federation.json";
  public static final String BOTO_FILE = "boto.cfg";
  public static final String TOKEN_PATH = MOUNT_PATH + "/" + TOKEN_FILE;
  public static final String CREDENTIALS_PATH = MOUNT_PATH + "/" + CREDENTIALS_FILE;
  public static final String BOTO_PATH_FILE = MOUNT_PATH + "/" + BOTO_FILE;
  public static final String SIDECAR_TMP_PATH = "/tmp";

  // The metadata sidecar.
  public static final String SIDECAR_CONTAINER = "gcp-metadata-server";
  public static final String SIDECAR_HEALTH_PORT_NAME = "metadata-health";
  public static final String METADATA_HOSTNAME = "metadata.google.internal";
  public static final int METADATA_HOSTNAME_PORT = 80;
  public static final String LOOPBACK = "127.0.0.1";
  /**
   * The sidecar runs as uid 65532 with {@code allowPrivilegeEscalation: false}. For a non-root process Kubernetes puts
   * an added capability in the bounding and permitted sets only, never the effective one (no ambient capabilities in
   * the CRI), and no_new_privs voids file capabilities: {@code NET_BIND_SERVICE} alone cannot bind port 80. This sysctl
   * (namespaced to the pod's network namespace, "safe" since Kubernetes 1.22, allowed by the baseline and restricted
   * Pod Security levels) lets a non-root process bind 80 in this pod only.
   */
  public static final String UNPRIVILEGED_PORT_SYSCTL = "net.ipv4.ip_unprivileged_port_start";

  // Environment variables.
  public static final String GOOGLE_APPLICATION_CREDENTIALS = "GOOGLE_APPLICATION_CREDENTIALS";
  public static final String CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE = "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE";
  public static final String BOTO_PATH = "BOTO_PATH";
  public static final String BOTO_CONFIG = "BOTO_CONFIG";
  public static final String GOOGLE_CLOUD_PROJECT = "GOOGLE_CLOUD_PROJECT";
  public static final String CLOUDSDK_CORE_PROJECT = "CLOUDSDK_CORE_PROJECT";
  public static final String CLOUDSDK_COMPUTE_REGION = "CLOUDSDK_COMPUTE_REGION";
  public static final String GCE_METADATA_ROOT = "GCE_METADATA_ROOT";
  public static final String GCE_METADATA_HOST = "GCE_METADATA_HOST";
  public static final String GCE_METADATA_IP = "GCE_METADATA_IP";
  public static final String METADATA_SERVER_DETECTION = "METADATA_SERVER_DETECTION";

  /** Set by the kubelet on its copy of a static pod; not under the prefix. */
  public static final String MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

  /** ServiceAccount: the WIF provider; its presence opts the ServiceAccount in. */
  public String provider() {
    return key("workload-identity-provider");
  }

  /** ServiceAccount: the Google service account to impersonate; absent means direct federated access. */
  public String serviceAccountEmail() {
    return key("service-account-email");
  }

  /** ServiceAccount: the audience of the projected token. */
  public String audience() {
    return key("audience");
  }

  /** ServiceAccount, overridable on the Pod: projected token lifetime in seconds. */
  public String tokenExpiration() {
    return key("token-expiration");
  }

  /** ServiceAccount, overridable on the Pod: direct, gcloud or metadata. */
  public String injectionMode() {
    return key("injection-mode");
  }

  /** ServiceAccount, from the Go webhook: {@code direct-access} ignores the email and never impersonates. */
  public String tokenExchangeMode() {
    return key("token-exchange-mode");
  }

  /** ServiceAccount: the Google Cloud project for the project variables, when the email does not tell it. */
  public String projectId() {
    return key("project-id");
  }

  /** Pod: comma-separated names of containers that get nothing injected. */
  public String skipContainers() {
    return key("skip-containers");
  }

  /** ServiceAccount, the Go webhook's user for its gcloud setup init container: accepted and ignored here. */
  public String gcloudRunAsUser() {
    return key("gcloud-run-as-user");
  }

  /** Pod or ServiceAccount (the Pod wins), metadata mode: also answer on {@code metadata.google.internal:80}. */
  public String metadataHostname() {
    return key("metadata-hostname");
  }

  /** Pod, written by the webhook: the external_account credential configuration, projected as a file. */
  public String externalCredentialsJson() {
    return key("external-credentials-json");
  }

  /** Pod, written by the webhook: the boto configuration that points gsutil at its credentials. */
  public String botoConfig() {
    return key("boto-config");
  }

  /** Pod, written by the webhook: the receipt of what it injected ({@code InjectionReceipt}). */
  public String injection() {
    return key("injection");
  }

  /** The downward API field path of one of the pod's annotations. */
  public static String annotationField(String key) {
    return "metadata.annotations['" + key + "']";
  }

  private String key(String name) {
    return prefix + "/" + name;
  }
}
