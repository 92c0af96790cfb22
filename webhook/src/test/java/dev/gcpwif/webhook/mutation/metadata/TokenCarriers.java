package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Who in a pod can read a projected ServiceAccount token: the containers that mount a volume with a
 * {@code serviceAccountToken} source. In metadata mode that must be the webhook's sidecar alone.
 */
public final class TokenCarriers {
  private TokenCarriers() {}

  /** True when the pod carries the webhook's sidecar, i.e. it was rendered in metadata mode. */
  public static boolean hasOurSidecar(Pod pod) {
    return containers(pod.getSpec()).anyMatch(SidecarContainerFactory::isOurs);
  }

  /** Names of the containers and init containers other than our sidecar that mount a token-carrying volume. */
  public static List<String> appContainersMountingAToken(Pod pod) {
    Set<String> carriers = tokenVolumes(pod.getSpec());
    return containers(pod.getSpec())
        .filter(container -> !SidecarContainerFactory.isOurs(container))
        .filter(container -> mountsAnyOf(container, carriers))
        .map(Container::getName)
        .toList();
  }

  /** True when our sidecar mounts a token-carrying volume (it needs one to exchange). */
  public static boolean sidecarMountsAToken(Pod pod) {
    Set<String> carriers = tokenVolumes(pod.getSpec());
    return containers(pod.getSpec()).filter(SidecarContainerFactory::isOurs).anyMatch(c -> mountsAnyOf(c, carriers));
  }

  /**
   * What keeps the sidecar restricted ("restricted" Pod Security), as problems: empty when it runs non-root with a
   * read-only root filesystem, no privilege escalation, RuntimeDefault seccomp, all capabilities dropped, and
   * {@code NET_BIND_SERVICE} added only when it listens on port 80 (the hostname opt-in).
   */
  public static List<String> sidecarSecurityProblems(Pod pod) {
    List<String> problems = new java.util.ArrayList<>();
    containers(pod.getSpec()).filter(SidecarContainerFactory::isOurs).forEach(sidecar -> {
      io.fabric8.kubernetes.api.model.SecurityContext sc = sidecar.getSecurityContext();
      if (sc == null) {
        problems.add("no securityContext");
        return;
      }
      boolean port80 = SidecarContainerFactory.listenAddresses(sidecar).stream().anyMatch(a -> a.endsWith(":80"));
      List<String> added = sc.getCapabilities() == null || sc.getCapabilities().getAdd() == null
          ? List.of() : sc.getCapabilities().getAdd();
      check(problems, Boolean.TRUE.equals(sc.getRunAsNonRoot()), "runAsNonRoot");
      check(problems, Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()), "readOnlyRootFilesystem");
      check(problems, Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()), "allowPrivilegeEscalation: false");
      check(problems, !Boolean.TRUE.equals(sc.getPrivileged()), "not privileged");
      check(problems, sc.getSeccompProfile() != null && "RuntimeDefault".equals(sc.getSeccompProfile().getType()),
          "seccomp RuntimeDefault");
      check(problems, sc.getCapabilities() != null && sc.getCapabilities().getDrop() != null
          && sc.getCapabilities().getDrop().contains("ALL"), "drop ALL");
      check(problems, added.equals(port80 ? List.of("NET_BIND_SERVICE") : List.of()),
          "capabilities added " + added + " with" + (port80 ? "" : "out") + " the port-80 listener");
    });
    return problems;
  }

  private static void check(List<String> problems, boolean ok, String what) {
    if (!ok) {
      problems.add(what);
    }
  }

  private static Set<String> tokenVolumes(PodSpec spec) {
    return orEmpty(spec.getVolumes()).stream()
        .filter(volume -> volume.getProjected() != null && volume.getProjected().getSources() != null
            && volume.getProjected().getSources().stream().anyMatch(s -> s.getServiceAccountToken() != null))
        .map(Volume::getName)
        .collect(Collectors.toSet());
  }

  private static boolean mountsAnyOf(Container container, Set<String> volumes) {
    return orEmpty(container.getVolumeMounts()).stream().anyMatch(mount -> volumes.contains(mount.getName()));
  }

  private static Stream<Container> containers(PodSpec spec) {
    return Stream.concat(orEmpty(spec.getInitContainers()).stream(), orEmpty(spec.getContainers()).stream());
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
