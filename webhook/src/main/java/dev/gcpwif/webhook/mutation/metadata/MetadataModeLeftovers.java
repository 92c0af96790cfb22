package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Takes out of a pod what a previous metadata-mode pass recognizably added, so that the next pass renders the pod as
 * if it saw it for the first time: re-running {@code inject} on its own output after the ServiceAccount or the pod's
 * injection mode changed must not leave a sidecar (and app containers pointed at it) in a direct-mode pod, nor a
 * stale hostname opt-in in a metadata-mode one. Only our own sidecar ({@link SidecarContainerFactory#isOurs}) counts
 * as evidence; without it nothing is touched, and what the user set with other values stays.
 */
public final class MetadataModeLeftovers {
  private MetadataModeLeftovers() {}

  /** Modifies {@code pod} in place: callers pass their private copy. */
  public static void removeFrom(Pod pod) {
    PodSpec spec = pod.getSpec();
    if (spec == null) {
      return;
    }
    // Lists the API server would reject (null, nameless containers) are left to its validation, not failed on here.
    List<Container> sidecars = allContainers(spec).filter(SidecarContainerFactory::isOurs).toList();
    if (sidecars.isEmpty()) {
      return;
    }
    spec.setInitContainers(withoutOurSidecar(spec.getInitContainers()));
    spec.setContainers(withoutOurSidecar(spec.getContainers()));
    boolean othersMountTmp = ReservedNames.othersMountTmpVolume(spec);
    spec.setVolumes(new ArrayList<>(orEmpty(spec.getVolumes()).stream()
        .filter(volume -> !ReservedNames.isOurTmpVolume(volume, othersMountTmp) && !BotoVolume.isOurs(volume))
        .toList()));
    allContainers(spec).forEach(BotoVolume::revertToTokenMount);
    // One revert per distinct sidecar: a second one with the same address and project finds nothing left to undo,
    // and walking every container once per copy would cost copies times containers.
    Set<List<String>> reverted = new HashSet<>();
    for (Container sidecar : sidecars) {
      if (!reverted.add(Arrays.asList(String.join(" ", SidecarContainerFactory.listenAddresses(sidecar)),
          SidecarContainerFactory.projectId(sidecar)))) {
        continue;
      }
      List<String> listening = SidecarContainerFactory.listenAddresses(sidecar);
      AppContainerEnv appEnv = new AppContainerEnv(listening.get(0));
      String projectId = SidecarContainerFactory.projectId(sidecar);
      allContainers(spec).forEach(container -> appEnv.revert(container, projectId));
      if (listening.contains(Names.LOOPBACK + ":" + Names.METADATA_HOSTNAME_PORT)) {
        HostnameOptIn.revert(spec);
      }
    }
  }

  static Stream<Container> allContainers(PodSpec spec) {
    return Stream.concat(orEmpty(spec.getInitContainers()).stream(), orEmpty(spec.getContainers()).stream())
        .filter(Objects::nonNull);
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static List<Container> withoutOurSidecar(List<Container> containers) {
    List<Container> kept = new ArrayList<>(orEmpty(containers));
    kept.removeIf(container -> container != null && SidecarContainerFactory.isOurs(container));
    return kept;
  }
}
