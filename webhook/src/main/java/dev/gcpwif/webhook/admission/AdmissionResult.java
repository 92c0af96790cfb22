package dev.gcpwif.webhook.admission;

import dev.gcpwif.webhook.metrics.AdmissionOutcome;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;

/**
 * The answer to one admission request plus what to log and count about it.
 *
 * @param mode injection mode of a mutated pod, or {@code none}
 * @param subject {@code namespace/pod} (or {@code namespace/generateName*}) for logs
 * @param serviceAccount the pod's ServiceAccount name, for logs
 */
public record AdmissionResult(
    AdmissionReview review,
    AdmissionOutcome outcome,
    String mode,
    boolean dryRun,
    String subject,
    String serviceAccount,
    String detail) {}
