package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.PodConflictException;
import dev.gcpwif.webhook.mutation.core.SidecarSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The TCP ports the sidecar binds in the pod's network namespace. A container that declares one of them would fail to
 * bind it, or make the sidecar fail (and with a native sidecar hold every app container in PodInitializing): the pod
 * is denied up front with the port and the way out. Only declared ports can be seen; an undeclared listener is not.
 */
final class ReservedPorts {
  private ReservedPorts() {}

  static void requireFree(PodSpec spec, SidecarSettings settings, MetadataModeOptions options,
      String annotationPrefix) throws PodConflictException {
    String otherMode = "another " + new Names(annotationPrefix).injectionMode() + " than metadata for this pod";
    Map<Integer, String> reserved = new LinkedHashMap<>();
    reserved.put(settings.port(), "its metadata port, webhook flag --sidecar-port); use another port, or " + otherMode);
    reserved.put(settings.healthPort(),
        "its health port, webhook flag --sidecar-health-port); use another port, or " + otherMode);
    if (options.bindMetadataHostname()) {
      String annotation = new Names(annotationPrefix).metadataHostname();
      reserved.put(Names.METADATA_HOSTNAME_PORT, "its metadata.google.internal listener, annotation "
          + annotation + ": \"true\"); use another port, or set " + annotation + ": \"false\" on this pod");
    }
    for (Container container : alongsideTheSidecar(spec, settings.nativeSidecar())) {
      for (ContainerPort port : container.getPorts() == null ? List.<ContainerPort>of() : container.getPorts()) {
        boolean tcp = port != null && (port.getProtocol() == null || "TCP".equals(port.getProtocol()));
        if (tcp && reserved.containsKey(port.getContainerPort())) {
          throw new PodConflictException("container \"" + container.getName() + "\" declares port "
              + port.getContainerPort() + ", which the metadata sidecar binds in this pod ("
              + reserved.get(port.getContainerPort()));
        }
      }
    }
  }

  /** Plain init containers have finished before a plain sidecar starts; everything else runs next to it. */
  private static List<Container> alongsideTheSidecar(PodSpec spec, boolean nativeSidecar) {
    return Stream.concat(
            spec.getInitContainers().stream()
                .filter(c -> c != null && (nativeSidecar || "Always".equals(c.getRestartPolicy()))),
            spec.getContainers().stream())
        .filter(c -> c != null && !SidecarContainerFactory.isOurs(c))
        .toList();
  }
}
