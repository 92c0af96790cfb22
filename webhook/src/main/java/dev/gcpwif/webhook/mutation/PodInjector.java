package dev.gcpwif.webhook.mutation;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * One part of the mutation, applied in place to the mutator's private copy of the pod. {@link PodMutator} picks
 * the injectors for the pod's {@link InjectionMode}; each one must be idempotent, as the API server may send an
 * already-mutated pod back through the webhook.
 */
interface PodInjector {
  /**
   * @param containers the containers and init containers of {@code pod} that are not skipped (never empty)
   */
  void inject(Pod pod, List<Container> containers, WorkloadIdentity identity) throws InvalidAnnotationException;
}
