package dev.gcpwif.webhook.mutation;

import dev.gcpwif.webhook.mutation.core.InjectionMode;
import dev.gcpwif.webhook.mutation.core.InjectionReceipt;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentity;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;

/**
 * What one mutation gives: the pod to admit, the admission warnings about it (a value the webhook corrected or
 * ignored, each naming the annotation, the value given and what was used, in the order they arose), the identity
 * resolved from the ServiceAccount and the Pod (empty when the pod is not opted in), and the receipt written onto the
 * pod (empty when nothing was injected).
 */
public record MutationResult(Pod pod, List<String> warnings, Optional<WorkloadIdentity> identity,
    Optional<InjectionReceipt> receipt) {
  public MutationResult {
    warnings = List.copyOf(warnings);
  }

  /** A result with warnings but no identity or receipt, for mutations that inject nothing of their own. */
  public MutationResult(Pod pod, List<String> warnings) {
    this(pod, warnings, Optional.empty(), Optional.empty());
  }

  /** A result without warnings, identity or receipt: for mutations that inject nothing. */
  public static MutationResult of(Pod pod) {
    return new MutationResult(pod, List.of(), Optional.empty(), Optional.empty());
  }

  /** The mode the pod was injected in, empty when nothing was injected. */
  public Optional<InjectionMode> injectedMode() {
    return receipt.map(InjectionReceipt::mode);
  }
}
