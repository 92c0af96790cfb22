package dev.gcpwif.webhook.mutation.core;

import java.util.Optional;
import java.util.Set;

/**
 * Everything the injection needs for one pod, validated: the ServiceAccount's annotations, overridden by the Pod's,
 * over the webhook's defaults.
 *
 * @param provider bare provider name {@code projects/N/locations/L/workloadIdentityPools/P/providers/R}
 * @param serviceAccountEmail the Google service account to impersonate; empty for direct federated access
 * @param projectId the Google Cloud project, when the annotations or the email tell it
 */
public record WorkloadIdentity(
    String provider,
    Optional<String> serviceAccountEmail,
    String audience,
    long tokenExpirationSeconds,
    InjectionMode mode,
    Set<String> skipContainers,
    Optional<String> projectId) {

  public WorkloadIdentity {
    skipContainers = Set.copyOf(skipContainers);
  }
}
