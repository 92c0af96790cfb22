package dev.gcpwif.webhook.mutation;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The mutation: a pure function from (pod, service account, settings) to the pod to admit. No I/O; the admission
 * endpoint and the offline {@code inject} command both call it, and diff the result against the input.
 */
public final class PodMutator {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private final WebhookSettings settings;

  public PodMutator(WebhookSettings settings) {
    this.settings = settings;
  }

  /**
   * Returns a mutated copy of {@code pod}; {@code pod} itself is never modified. A pod that needs nothing comes back
   * equal to its input.
   *
   * @param serviceAccount the pod's ServiceAccount, or null when it does not exist
   * @throws InvalidAnnotationException when an annotation on the pod or the ServiceAccount is malformed
   */
  public Pod mutate(Pod pod, ServiceAccount serviceAccount) throws InvalidAnnotationException {
    // Placeholder until the mutation lands: admits every pod untouched.
    return SERIALIZATION.clone(pod);
  }

  public WebhookSettings settings() {
    return settings;
  }
}
