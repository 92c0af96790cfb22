package dev.gcpwif.webhook.admission;

import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.AnnotationValues;
import dev.gcpwif.webhook.mutation.core.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Refuses, before mutating, an opted-in pod so wide that the mutated pod could not be stored anyway. Injection adds
 * the same few hundred bytes (variables and a mount) to every container it touches, so a 3 MiB review of 60,000 tiny
 * containers would become a pod of some 40 MB and a patch as large: building that costs the webhook far more memory
 * than its limit, and no API server would accept the result (kube-apiserver takes at most 3 MiB in a request, etcd
 * stores at most 1.5 MiB by default). The Go webhook mutated such a pod and left the API server to refuse it; here the
 * refusal comes first, as a denial naming the count and the limit, without spending the memory.
 *
 * <p>The additions alone are compared with 3 MiB, twice etcd's default: the limit applies to the protobuf encoding,
 * which is more compact than JSON, so only pods that certainly cannot be stored are refused.
 */
public final class MutationSizeBound {
  /** kube-apiserver's request body limit; twice etcd's default {@code --max-request-bytes} of 1.5 MiB. */
  static final long MAX_ADDED_BYTES = 3L * 1024 * 1024;
  /**
   * A lower bound of the JSON the mutation adds to one container in either mode with the default settings (each
   * credential variable and the mount; MutationSizeBoundTest measures it): the estimate never overstates.
   */
  static final int MIN_ADDED_BYTES_PER_CONTAINER = 448;
  /** The most injected containers a pod may have: 7,021 (498 bytes measured in direct mode, 479 in metadata mode). */
  public static final int MAX_INJECTED_CONTAINERS = (int) (MAX_ADDED_BYTES / MIN_ADDED_BYTES_PER_CONTAINER);

  private final String providerAnnotation;
  private final String skipContainersAnnotation;

  MutationSizeBound(String annotationPrefix) {
    this.providerAnnotation = new Names(annotationPrefix).provider();
    this.skipContainersAnnotation = new Names(annotationPrefix).skipContainers();
  }

  /** The reason to deny the pod, or null when its mutation fits (or nothing would be injected). */
  String problem(Pod pod, ServiceAccount serviceAccount) {
    Map<String, String> annotations = pod.getMetadata() == null ? null : pod.getMetadata().getAnnotations();
    if (pod.getSpec() == null || !optedIn(serviceAccount) || PodMutator.isMirrorPod(pod)) {
      return null;
    }
    Set<String> skipped = skipped(annotations);
    long injected = injected(pod.getSpec().getContainers(), skipped) + injected(pod.getSpec().getInitContainers(),
        skipped);
    if (injected <= MAX_INJECTED_CONTAINERS) {
      return null;
    }
    return String.format("pod has %,d containers and init containers to inject; injecting credentials adds at least "
        + "%d bytes to each, %,d bytes in all, more than the %,d bytes (3 MiB) the API server accepts in a request "
        + "and twice what etcd stores by default: the mutated pod could not be stored. At most %,d containers can be "
        + "injected; list the others in the %s annotation", injected, MIN_ADDED_BYTES_PER_CONTAINER,
        injected * MIN_ADDED_BYTES_PER_CONTAINER, MAX_ADDED_BYTES, MAX_INJECTED_CONTAINERS, skipContainersAnnotation);
  }

  private boolean optedIn(ServiceAccount serviceAccount) {
    return serviceAccount != null && serviceAccount.getMetadata() != null
        && serviceAccount.getMetadata().getAnnotations() != null
        && serviceAccount.getMetadata().getAnnotations().containsKey(providerAnnotation);
  }

  private Set<String> skipped(Map<String, String> annotations) {
    String value = annotations == null ? null : annotations.get(skipContainersAnnotation);
    return value == null ? Set.of() : AnnotationValues.containerNames(skipContainersAnnotation, value);
  }

  private static long injected(List<Container> containers, Set<String> skipped) {
    if (containers == null) {
      return 0;
    }
    if (skipped.isEmpty()) {
      return containers.size();
    }
    return containers.stream().filter(c -> c == null || !skipped.contains(c.getName())).count();
  }
}
