package dev.gcpwif.webhook.certs;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;

/** Turns fabric8 failures into one-line, actionable errors. */
final class ApiErrors {

  static final int CONFLICT = HttpURLConnection.HTTP_CONFLICT;
  static final int NOT_FOUND = HttpURLConnection.HTTP_NOT_FOUND;

  private ApiErrors() {}

  /**
   * @param action what was attempted, e.g. {@code read Secret gcp-wif-system/gcp-wif-webhook-tls}
   */
  static CertificateReconcileException translate(KubernetesClientException e, String action, String verb,
      String apiGroup, String resource, String name, String namespace) {
    if (e.getCode() == HttpURLConnection.HTTP_FORBIDDEN) {
      return new MissingPermissionException(verb, apiGroup, resource, name, namespace);
    }
    return new CertificateReconcileException("cannot " + action + ": " + summary(e), e);
  }

  /** The API server's own message when it sent a Status, without fabric8's request dump. */
  static String summary(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return "HTTP " + e.getCode() + ": " + e.getStatus().getMessage();
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    Throwable cause = e.getCause();
    return cause == null || cause.getMessage() == null ? message : message + " (" + cause.getMessage() + ")";
  }
}
