package dev.gcpwif.webhook.mutation;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The mutation: a pure function from (pod, service account, settings) to the pod to admit. No I/O; the admission
 * endpoint and the offline {@code inject} command both call it, and diff the result against the input.
 */
public final class PodMutator {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private final WebhookSettings settings;
  private final WorkloadIdentityResolver resolver;
  private final PodInjector fileCredentials;

  public PodMutator(WebhookSettings settings) {
    this.settings = settings;
    this.resolver = new WorkloadIdentityResolver(settings);
    this.fileCredentials = new FileCredentialInjector(settings);
  }

  /**
   * Returns a mutated copy of {@code pod}; {@code pod} itself is never modified. A pod that needs nothing comes back
   * equal to its input, and a mutated pod comes back equal to itself (with its configuration re-rendered from the
   * current ServiceAccount).
   *
   * @param serviceAccount the pod's ServiceAccount, or null when it does not exist
   * @throws InvalidAnnotationException when an annotation on the pod or the ServiceAccount is malformed, or
   *     ({@link PodConflictException}) when the pod already uses the volume name or mount path for something else
   */
  public Pod mutate(Pod pod, ServiceAccount serviceAccount) throws InvalidAnnotationException {
    Pod copy = SERIALIZATION.clone(pod);
    Optional<WorkloadIdentity> identity = resolver.resolve(pod, serviceAccount);
    if (identity.isEmpty() || copy.getSpec() == null) {
      return copy;
    }
    List<Container> containers = injectedContainers(copy, identity.get());
    if (containers.isEmpty()) {
      return copy;
    }
    if (copy.getMetadata() == null) {
      copy.setMetadata(new ObjectMeta());
    }
    for (PodInjector injector : injectorsFor(identity.get().mode())) {
      injector.inject(copy, containers, identity.get());
    }
    return copy;
  }

  /**
   * Every mode is file-based: the metadata sidecar reads the same configuration file, and its own injector is
   * added to the list for {@link InjectionMode#METADATA} with the metadata-mode work.
   */
  private List<PodInjector> injectorsFor(InjectionMode mode) {
    return switch (mode) {
      case DIRECT, GCLOUD, METADATA -> List.of(fileCredentials);
    };
  }

  private static List<Container> injectedContainers(Pod pod, WorkloadIdentity identity) {
    List<Container> containers = new ArrayList<>();
    if (pod.getSpec().getInitContainers() != null) {
      containers.addAll(pod.getSpec().getInitContainers());
    }
    if (pod.getSpec().getContainers() != null) {
      containers.addAll(pod.getSpec().getContainers());
    }
    containers.removeIf(container -> identity.skipContainers().contains(container.getName()));
    return containers;
  }

  public WebhookSettings settings() {
    return settings;
  }
}
