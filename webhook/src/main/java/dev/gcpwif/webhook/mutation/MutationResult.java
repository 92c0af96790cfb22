package dev.gcpwif.webhook.mutation;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * What one mutation gives: the pod to admit and the admission warnings about it (a value the webhook corrected or
 * ignored, each naming the annotation, the value given and what was used), in the order they arose.
 */
public record MutationResult(Pod pod, List<String> warnings) {
  public MutationResult {
    warnings = List.copyOf(warnings);
  }

  /** A result without warnings, for mutations that never correct anything. */
  public static MutationResult of(Pod pod) {
    return new MutationResult(pod, List.of());
  }
}
