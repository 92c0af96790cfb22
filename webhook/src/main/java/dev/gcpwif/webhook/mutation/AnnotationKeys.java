package dev.gcpwif.webhook.mutation;

/**
 * The annotation keys under one prefix ({@code cloud.google.com} unless {@code --annotation-prefix} says otherwise).
 * The names are those of the Go webhook this project replaces, so existing ServiceAccounts keep working.
 */
public record AnnotationKeys(String prefix) {

  /** ServiceAccount: the WIF provider; its presence opts the ServiceAccount in. */
  public String provider() {
    return prefix + "/workload-identity-provider";
  }

  /** ServiceAccount: the Google service account to impersonate; absent means direct federated access. */
  public String serviceAccountEmail() {
    return prefix + "/service-account-email";
  }

  /** ServiceAccount: the audience of the projected token. */
  public String audience() {
    return prefix + "/audience";
  }

  /** ServiceAccount, overridable on the Pod: projected token lifetime in seconds. */
  public String tokenExpiration() {
    return prefix + "/token-expiration";
  }

  /** ServiceAccount, overridable on the Pod: direct, gcloud or metadata. */
  public String injectionMode() {
    return prefix + "/injection-mode";
  }

  /** ServiceAccount, from the Go webhook: {@code direct-access} ignores the email and never impersonates. */
  public String tokenExchangeMode() {
    return prefix + "/token-exchange-mode";
  }

  /** ServiceAccount: the Google Cloud project for the project variables, when the email does not tell it. */
  public String projectId() {
    return prefix + "/project-id";
  }

  /** Pod: comma-separated names of containers that get nothing injected. */
  public String skipContainers() {
    return prefix + "/skip-containers";
  }

  /** ServiceAccount, the Go webhook's user for its gcloud setup init container: accepted and ignored here. */
  public String gcloudRunAsUser() {
    return prefix + "/gcloud-run-as-user";
  }

  /** Pod, written by the webhook: the external_account credential configuration, projected as a file. */
  public String externalCredentialsJson() {
    return prefix + "/external-credentials-json";
  }

  /** Pod, written by the webhook: the boto configuration that points gsutil at the credential configuration. */
  public String botoConfig() {
    return prefix + "/boto-config";
  }
}
