package dev.gcpwif.sidecar.metadata;

import java.util.List;
import java.util.Optional;

/**
 * What the metadata endpoint says about the pod's Google identity.
 *
 * @param serviceAccountEmail the impersonated service account; empty for direct federated access
 * @param accountName the name listed under service-accounts/ besides default: the service account, or for direct
 *     federated access PROJECT_ID.svc.id.goog as GKE's metadata server reports it
 */
public record Identity(
    Optional<String> projectId,
    Optional<String> numericProjectId,
    Optional<String> serviceAccountEmail,
    Optional<String> accountName,
    List<String> defaultScopes,
    String universeDomain,
    String hostname) {}
