package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.PodConflictException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.List;

/**
 * The names metadata mode adds to a pod: the sidecar container, its scratch volume and the app containers' boto volume. A pod that already uses one
 * for something of its own is denied, as replacing it would silently drop the user's container or share its volume
 * with the sidecar; one that a previous pass rendered is ours and gets re-rendered.
 */
final class ReservedNames {
  private ReservedNames() {}

  /**
   * @param injectionModeAnnotation the annotation key that selects metadata mode, named in the message
   */
  static void requireFree(PodSpec spec, String injectionModeAnnotation) throws PodConflictException {
    String why = "as metadata mode (" + injectionModeAnnotation + ": metadata) needs that name";
    requireNoForeignSidecar(spec.getInitContainers(), "an init container", why);
    requireNoForeignSidecar(spec.getContainers(), "a container", why);
    boolean foreignMount = othersMountTmpVolume(spec);
    for (Volume volume : spec.getVolumes()) {
      if (Names.SIDECAR_TMP_VOLUME.equals(volume.getName()) && !isOurTmpVolume(volume, foreignMount)) {
        throw new PodConflictException("the pod already has a volume named \"" + Names.SIDECAR_TMP_VOLUME
            + "\" that is not the metadata server's scratch volume; rename it, " + why);
      }
      if (Names.BOTO_VOLUME.equals(volume.getName()) && !BotoVolume.isOurs(volume)) {
        throw new PodConflictException("the pod already has a volume named \"" + Names.BOTO_VOLUME
            + "\" that is not the webhook's boto volume; rename it, " + why);
      }
    }
  }

  private static void requireNoForeignSidecar(List<Container> containers, String kind, String why)
      throws PodConflictException {
    for (Container container : containers) {
      if (SidecarContainerFactory.isSidecar(container) && !SidecarContainerFactory.isOurs(container)) {
        throw new PodConflictException("the pod already has " + kind + " named \""
            + Names.SIDECAR_CONTAINER + "\" that is not the webhook's metadata server; rename it, "
            + why + " for its sidecar");
      }
    }
  }

  /**
   * Our scratch volume: an emptyDir of our name that no container but our sidecar mounts.
   *
   * @param othersMountTmpVolume {@link #othersMountTmpVolume} of the pod, computed once per pod: per volume it would
   *     make a pod with many volumes of that name cost volumes times mounts
   */
  static boolean isOurTmpVolume(Volume volume, boolean othersMountTmpVolume) {
    return Names.SIDECAR_TMP_VOLUME.equals(volume.getName()) && volume.getEmptyDir() != null
        && !othersMountTmpVolume;
  }

  /** Whether a container other than our sidecar mounts a volume of the scratch volume's name. */
  static boolean othersMountTmpVolume(PodSpec spec) {
    return !java.util.stream.Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream())
        .filter(java.util.Objects::nonNull)
        .filter(container -> !SidecarContainerFactory.isOurs(container))
        .noneMatch(container -> container.getVolumeMounts() != null && container.getVolumeMounts().stream()
            .anyMatch(mount -> mount != null && Names.SIDECAR_TMP_VOLUME.equals(mount.getName())));
  }
}
