package dev.gcpwif.webhook.certs;

/** One reconcile failed; the message is a single line meant for the log, and the next attempt may succeed. */
public class CertificateReconcileException extends RuntimeException {

  public CertificateReconcileException(String message) {
    super(message);
  }

  public CertificateReconcileException(String message, Throwable cause) {
    super(message, cause);
  }
}
