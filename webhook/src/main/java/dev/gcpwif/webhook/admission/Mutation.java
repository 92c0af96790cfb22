package dev.gcpwif.webhook.admission;

import dev.gcpwif.webhook.mutation.MutationResult;
import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;

/** The pod mutation as the admission endpoint sees it; {@code PodMutator::mutateWithWarnings} in production. */
@FunctionalInterface
public interface Mutation {
  /**
   * Returns the pod to admit, a copy, and the warnings for the response; {@code serviceAccount} is null when the
   * account does not exist.
   */
  MutationResult apply(Pod pod, ServiceAccount serviceAccount) throws InvalidAnnotationException;
}
