package dev.gcpwif.webhook.metrics;

/** What happened to one admission request, as counted in {@code webhook_admissions_total}. */
public enum AdmissionOutcome {
  /** A patch was returned. */
  MUTATED,
  /** Allowed without a patch: not opted in, nothing to do, not a Pod CREATE. */
  UNCHANGED,
  /** Refused because of an invalid annotation. */
  DENIED,
  /** The webhook could not decide (lookup failure, bug); the API server's failurePolicy applies. */
  ERROR;

  String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
