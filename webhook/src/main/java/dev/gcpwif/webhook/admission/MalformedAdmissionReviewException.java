package dev.gcpwif.webhook.admission;

/** A request body that is not a usable admission.k8s.io/v1 AdmissionReview; the message is the reason sent back. */
public final class MalformedAdmissionReviewException extends Exception {
  public MalformedAdmissionReviewException(String reason) {
    super(reason);
  }
}
