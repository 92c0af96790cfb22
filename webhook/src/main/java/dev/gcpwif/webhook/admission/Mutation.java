package dev.gcpwif.webhook.admission;

import dev.gcpwif.webhook.mutation.InvalidAnnotationException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;

/** The pod mutation as the admission endpoint sees it; {@code PodMutator::mutate} in production. */
@FunctionalInterface
public interface Mutation {
  /** Returns the pod to admit, a copy; {@code serviceAccount} is null when the account does not exist. */
  Pod apply(Pod pod, ServiceAccount serviceAccount) throws InvalidAnnotationException;
}
