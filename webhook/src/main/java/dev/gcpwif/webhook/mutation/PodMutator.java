package dev.gcpwif.webhook.mutation;

import dev.gcpwif.webhook.mutation.core.InjectionMode;
import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.PodConflictException;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentity;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentityResolver;
import dev.gcpwif.webhook.mutation.file.FileCredentialInjector;
import dev.gcpwif.webhook.mutation.metadata.MetadataModeLeftovers;
import dev.gcpwif.webhook.mutation.metadata.MetadataModeOptions;
import dev.gcpwif.webhook.mutation.metadata.MetadataSidecarInjector;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The mutation: a pure function from (pod, service account, settings) to the pod to admit. No I/O; the admission
 * endpoint and the offline {@code inject} command both call it, and diff the result against the input.
 */
public final class PodMutator {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  /** A pod without annotations of its own: mutating it reads every ServiceAccount annotation and nothing else. */
  private static final Pod PROBE_POD = new PodBuilder()
      .withNewMetadata().withName("probe").endMetadata()
      .withNewSpec().addNewContainer().withName("probe").withImage("probe").endContainer().endSpec()
      .build();
  private final WebhookSettings settings;
  private final WorkloadIdentityResolver resolver;
  private final FileCredentialInjector fileCredentials;
  private final MetadataSidecarInjector metadataSidecar;

  public PodMutator(WebhookSettings settings) {
    this.settings = settings;
    this.resolver = new WorkloadIdentityResolver(settings);
    this.fileCredentials = new FileCredentialInjector(settings);
    this.metadataSidecar = new MetadataSidecarInjector(settings.sidecar(), settings.annotationPrefix());
  }

  /**
   * Returns a mutated copy of {@code pod}; {@code pod} itself is never modified. A pod that needs nothing comes back
   * equal to its input, and a mutated pod comes back equal to itself (with its configuration re-rendered from the
   * current ServiceAccount).
   *
   * @param serviceAccount the pod's ServiceAccount, or null when it does not exist
   * @throws InvalidAnnotationException when an annotation on the pod or the ServiceAccount is malformed, or
   *     ({@link PodConflictException}) when the pod already uses the volume name or mount path, or in metadata mode
   *     the sidecar's container or volume name, for something else
   */
  public Pod mutate(Pod pod, ServiceAccount serviceAccount) throws InvalidAnnotationException {
    return mutateWithWarnings(pod, serviceAccount).pod();
  }

  /**
   * {@link #mutate}, with the admission warnings: values that were corrected or ignored rather than denied, so that
   * a pod the Go webhook admitted is admitted here too and its owner learns what was used instead.
   */
  public MutationResult mutateWithWarnings(Pod pod, ServiceAccount serviceAccount) throws InvalidAnnotationException {
    List<String> warnings = new ArrayList<>();
    Pod mutated = mutate(pod, serviceAccount, warnings);
    return new MutationResult(mutated, warnings);
  }

  private Pod mutate(Pod pod, ServiceAccount serviceAccount, List<String> warnings)
      throws InvalidAnnotationException {
    // A deep copy through Jackson's token buffer: clone() writes and re-parses JSON text, which costs half again as
    // much (AdmissionMicrobench: 55 vs 90 µs for a 20-container pod) on the webhook's hottest path.
    Pod copy = SERIALIZATION.convertValue(pod, Pod.class);
    if (isMirrorPod(pod)) {
      // The kubelet's copy of a static pod: the API server's ServiceAccount admission forbids the token projection in
      // it, and the kubelet runs the static pod from its own manifest anyway. Never touched, never denied.
      return copy;
    }
    Optional<WorkloadIdentity> resolved = resolver.resolve(pod, serviceAccount, warnings);
    if (resolved.isEmpty() || copy.getSpec() == null) {
      return copy;
    }
    WorkloadIdentity identity = resolved.get();
    // Read before any change, so a malformed opt-in denies the pod whatever else is wrong with it.
    MetadataModeOptions metadataOptions = identity.mode() == InjectionMode.METADATA
        ? MetadataModeOptions.fromAnnotations(pod, serviceAccount, settings.annotationPrefix(),
            identity.projectId().orElse(null))
        : null;
    // The mode, the hostname opt-in or the sidecar flags may have changed since a previous pass: start over from
    // what the user wrote, as far as the pod tells (re-running inject on its own output is the usual case).
    MetadataModeLeftovers.removeFrom(copy);
    List<Container> containers = injectedContainers(copy, identity);
    if (containers.isEmpty()) {
      return copy;
    }
    if (copy.getMetadata() == null) {
      copy.setMetadata(new ObjectMeta());
    }
    warnAboutCredentialsTheUserSet(containers, warnings);
    // Every mode starts file-based: the metadata sidecar reads the same configuration file.
    fileCredentials.inject(copy, containers, identity);
    unmountFromSkippedContainers(copy, identity);
    if (metadataOptions == null) {
      return copy;
    }
    return metadataSidecar.inject(copy, containers.stream().map(Container::getName).toList(), metadataOptions);
  }

  /**
   * Checks a ServiceAccount's annotations the way a pod running as it reads them, for the offline command: a bad
   * annotation there is reported against the ServiceAccount's own file, and also when no pod of the input uses it.
   *
   * @throws InvalidAnnotationException naming the annotation, as every pod of that ServiceAccount would be denied
   */
  public void validate(ServiceAccount serviceAccount) throws InvalidAnnotationException {
    mutate(PROBE_POD, serviceAccount);
  }

  /**
   * The Go webhook replaces a GOOGLE_APPLICATION_CREDENTIALS the container sets; this one keeps the user's choice (a
   * key file, say, on purpose), and says so, since client libraries in that container then do not use the injection.
   */
  private static void warnAboutCredentialsTheUserSet(List<Container> containers, List<String> warnings) {
    String ours = Names.CREDENTIALS_PATH;
    for (Container container : containers) {
      if (container.getEnv() == null) {
        continue;
      }
      container.getEnv().stream()
          .filter(e -> e != null && "GOOGLE_APPLICATION_CREDENTIALS".equals(e.getName()) && !ours.equals(e.getValue()))
          .findFirst()
          .ifPresent(e -> warnings.add("container \"" + container.getName() + "\" sets GOOGLE_APPLICATION_CREDENTIALS"
              + (e.getValue() != null ? "=\"" + e.getValue() + "\"" : " from valueFrom") + ": kept, so client libraries"
              + " in it use that, not the injected credentials; remove the variable to use them"));
    }
  }

  /** A pod the kubelet created for a static pod: the API server forbids it a token projection, so it is never ours. */
  public static boolean isMirrorPod(Pod pod) {
    return pod.getMetadata() != null && pod.getMetadata().getAnnotations() != null
        && pod.getMetadata().getAnnotations().containsKey(Names.MIRROR_POD_ANNOTATION);
  }

  private static List<Container> injectedContainers(Pod pod, WorkloadIdentity identity) {
    List<Container> containers = new ArrayList<>();
    if (pod.getSpec().getInitContainers() != null) {
      containers.addAll(pod.getSpec().getInitContainers());
    }
    if (pod.getSpec().getContainers() != null) {
      containers.addAll(pod.getSpec().getContainers());
    }
    // A nameless container is invalid and the API server will reject the pod, but its validation runs after mutating
    // admission: leave such a container alone rather than fail on it.
    containers.removeIf(container -> container.getName() == null
        || identity.skipContainers().contains(container.getName()));
    return containers;
  }

  /**
   * A skipped container gets nothing, and least of all the token: one that a pass before it was skipped gave the mount
   * loses it (its variables stay, as they cannot be told from the user's). Only our volume's mounts are touched.
   */
  private static void unmountFromSkippedContainers(Pod pod, WorkloadIdentity identity) {
    Stream.concat(orEmpty(pod.getSpec().getInitContainers()).stream(), orEmpty(pod.getSpec().getContainers()).stream())
        .filter(c -> c != null && c.getName() != null && identity.skipContainers().contains(c.getName()))
        .filter(c -> c.getVolumeMounts() != null)
        .filter(c -> c.getVolumeMounts().stream().anyMatch(m -> m != null
            && Names.CREDENTIALS_VOLUME.equals(m.getName())))
        .forEach(c -> {
          List<VolumeMount> mounts = new ArrayList<>(c.getVolumeMounts());
          mounts.removeIf(m -> m != null && Names.CREDENTIALS_VOLUME.equals(m.getName()));
          c.setVolumeMounts(mounts);
        });
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  public WebhookSettings settings() {
    return settings;
  }
}
