package dev.gcpwif.webhook.admission;

import dev.gcpwif.webhook.mutation.MutationResult;
import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;

/** The pod mutation as the admission endpoint sees it; {@code PodMutator::mutateOwnCopy} in production. */
@FunctionalInterface
public interface Mutation {
  /**
   * Returns the pod to admit and the warnings for the response; {@code serviceAccount} is null when the account does
   * not exist. {@code pod} is the handler's own copy, made for this call: the mutation may change it in place.
   */
  MutationResult apply(Pod pod, ServiceAccount serviceAccount) throws InvalidAnnotationException;
}
