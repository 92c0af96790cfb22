package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.SidecarSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Turns a pod already mutated in file mode into its metadata-mode form: the sidecar first and the only container that
 * mounts the projected token, app containers pointed at it and given the boto file alone, gsutil's boto switched to
 * GCE credentials, and the optional {@code metadata.google.internal} alias. Pure: no I/O, the input is never modified, and applying it to its own output
 * changes nothing (the API server may call the webhook twice).
 */
public final class MetadataSidecarInjector {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final SidecarSettings settings;
  private final String annotationPrefix;
  private final SidecarContainerFactory sidecars;
  private final AppContainerEnv appEnv;

  public MetadataSidecarInjector(SidecarSettings settings, String annotationPrefix) {
    this.settings = settings;
    this.annotationPrefix = annotationPrefix;
    this.sidecars = new SidecarContainerFactory(settings);
    this.appEnv = new AppContainerEnv(settings.loopbackAddress());
  }

  /** Name of the injected container, e.g. for {@code kubectl logs POD -c gcp-metadata-server}. */
  public static String sidecarContainerName() {
    return Names.SIDECAR_CONTAINER;
  }

  /**
   * The containers and init containers file mode injected: those that mount its volume, or the boto volume that
   * replaces it in metadata mode (the sidecar excluded).
   */
  public static Set<String> injectedContainerNames(Pod pod) {
    Set<String> names = new LinkedHashSet<>();
    PodSpec spec = pod.getSpec();
    if (spec == null) {
      return names;
    }
    Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream())
        .filter(c -> !Names.SIDECAR_CONTAINER.equals(c.getName()))
        .filter(c -> BotoVolume.mountsIt(c)
            || c.getVolumeMounts().stream().anyMatch(m -> Names.CREDENTIALS_VOLUME.equals(m.getName())))
        .forEach(c -> names.add(c.getName()));
    return names;
  }

  /**
   * @param fileMutated a pod as the file-based mutation left it (it carries the {@code gcp-workload-identity} volume)
   * @param injectedContainers names of the containers and init containers file mode injected (skipped ones excluded)
   * @throws InvalidAnnotationException for a pod on the host network: its loopback is the node's, or
   *     ({@link dev.gcpwif.webhook.mutation.core.PodConflictException}) when the pod has a container or volume of the
   *     sidecar's names that a previous pass did not render, or a container that declares a port the sidecar binds
   * @throws IllegalArgumentException when the pod was not mutated in file mode first (a caller's bug)
   */
  public Pod inject(Pod fileMutated, Collection<String> injectedContainers, MetadataModeOptions options)
      throws InvalidAnnotationException {
    Pod pod = SERIALIZATION.clone(fileMutated);
    PodSpec spec = pod.getSpec();
    if (spec != null && Boolean.TRUE.equals(spec.getHostNetwork())) {
      throw new InvalidAnnotationException(new Names(annotationPrefix).injectionMode(), "metadata",
          "\"direct\" or \"gcloud\" for a pod with hostNetwork: true, because the metadata sidecar listens on"
              + " loopback, and on the host network loopback is shared by every process on the node, which would all"
              + " get this pod's Google identity");
    }
    if (spec == null || spec.getVolumes().stream().noneMatch(v -> Names.CREDENTIALS_VOLUME.equals(v.getName()))) {
      throw new IllegalArgumentException("metadata mode needs a pod mutated in file mode first (volume "
          + Names.CREDENTIALS_VOLUME + " missing)");
    }

    ReservedNames.requireFree(spec, new Names(annotationPrefix).injectionMode());
    ReservedPorts.requireFree(spec, settings, options, annotationPrefix);
    Set<String> injected = injectedContainers.stream().filter(Objects::nonNull).collect(Collectors.toUnmodifiableSet());
    pointAppContainersAtSidecar(spec, injected);
    giveTheTokenToTheSidecarAlone(spec, injected);
    placeSidecar(spec, sidecars.container(options));
    putVolume(spec, sidecars.tmpVolume());
    putVolume(spec, BotoVolume.render(annotationPrefix));
    switchBotoToMetadataServer(pod, options.projectId());
    if (options.bindMetadataHostname()) {
      HostnameOptIn.apply(spec);
    }
    return pod;
  }

  private void pointAppContainersAtSidecar(PodSpec spec, Set<String> injected) {
    // A native sidecar is up (startup probe passed) before the next init container starts. A plain sidecar container
    // starts only after every init container has finished: they are pointed at it all the same, and have no Google
    // credentials, rather than hold the raw token that only the sidecar may have.
    Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream())
        .filter(c -> isApp(c, injected)).forEach(appEnv::apply);
  }

  /**
   * The projected token is exchangeable off the cluster for its whole lifetime, and in metadata mode only the sidecar
   * exchanges it: app containers mount the boto file instead, and no other container keeps a mount of the token volume
   * (a skipped container may have one from a pass in another mode).
   */
  private static void giveTheTokenToTheSidecarAlone(PodSpec spec, Set<String> injected) {
    Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream())
        .filter(c -> c != null && !SidecarContainerFactory.isSidecar(c))
        .forEach(c -> {
          if (isApp(c, injected)) {
            BotoVolume.replaceTokenMount(c);
          } else {
            BotoVolume.removeTokenMount(c);
          }
        });
  }

  private static boolean isApp(Container container, Set<String> injected) {
    // A nameless container is invalid, but API server validation runs after mutating admission: don't fail on it.
    return container.getName() != null && injected.contains(container.getName())
        && !Names.SIDECAR_CONTAINER.equals(container.getName());
  }

  /** First of its list, replacing a previous rendering in place and removing one left in the other list. */
  private void placeSidecar(PodSpec spec, Container sidecar) {
    List<Container> target = new ArrayList<>(settings.nativeSidecar() ? spec.getInitContainers() : spec.getContainers());
    List<Container> other = new ArrayList<>(settings.nativeSidecar() ? spec.getContainers() : spec.getInitContainers());
    other.removeIf(SidecarContainerFactory::isSidecar);
    target.removeIf(SidecarContainerFactory::isSidecar);
    target.add(0, sidecar);
    if (settings.nativeSidecar()) {
      spec.setInitContainers(target);
      spec.setContainers(other);
    } else {
      spec.setContainers(target);
      spec.setInitContainers(other);
    }
  }

  private static void putVolume(PodSpec spec, Volume volume) {
    List<Volume> volumes = new ArrayList<>(spec.getVolumes());
    int existing = -1;
    for (int i = 0; i < volumes.size(); i++) {
      if (volume.getName().equals(volumes.get(i).getName())) {
        existing = i;
      }
    }
    if (existing >= 0) {
      volumes.set(existing, volume);
    } else {
      volumes.add(volume);
    }
    spec.setVolumes(volumes);
  }

  private void switchBotoToMetadataServer(Pod pod, String projectId) {
    Map<String, String> annotations = pod.getMetadata() == null ? null : pod.getMetadata().getAnnotations();
    String key = new Names(annotationPrefix).botoConfig();
    if (annotations != null && annotations.containsKey(key)) {
      annotations.put(key, MetadataModeBoto.text(projectId));
    }
  }
}
