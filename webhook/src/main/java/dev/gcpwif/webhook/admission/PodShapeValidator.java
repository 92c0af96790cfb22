package dev.gcpwif.webhook.admission;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.List;
import java.util.Map;

/**
 * Refuses the nulls a schema-valid JSON pod can still carry where the mutation reads objects: a null entry in one of
 * the lists it walks or a null annotation value. The API server would refuse such a pod too, but only after mutating
 * admission; answering here keeps them from reaching the mutation as a NullPointerException (a 500). One pass over
 * the lists, linear in the pod's size.
 */
public final class PodShapeValidator {
  private PodShapeValidator() {}

  /** The first problem found, as a reason for a 400, or null when the pod has none. */
  public static String problem(Pod pod) {
    if (pod.getMetadata() != null) {
      String annotation = nullValue(pod.getMetadata().getAnnotations());
      if (annotation != null) {
        return "metadata.annotations[\"" + annotation + "\"] is null: annotation values must be strings";
      }
      String label = nullValue(pod.getMetadata().getLabels());
      if (label != null) {
        return "metadata.labels[\"" + label + "\"] is null: label values must be strings";
      }
    }
    PodSpec spec = pod.getSpec();
    if (spec == null) {
      return null;
    }
    String problem = containers("spec.initContainers", spec.getInitContainers());
    if (problem == null) {
      problem = containers("spec.containers", spec.getContainers());
    }
    if (problem == null) {
      problem = nullEntry("spec.volumes", spec.getVolumes(), "a Volume object");
    }
    if (problem == null) {
      problem = nullEntry("spec.hostAliases", spec.getHostAliases(), "a HostAlias object");
    }
    if (problem == null && spec.getSecurityContext() != null) {
      problem = nullEntry("spec.securityContext.sysctls", spec.getSecurityContext().getSysctls(), "a Sysctl object");
    }
    return problem;
  }

  private static String containers(String path, List<Container> containers) {
    String problem = nullEntry(path, containers, "a Container object");
    for (int i = 0; problem == null && containers != null && i < containers.size(); i++) {
      Container container = containers.get(i);
      String at = path + "[" + i + "]";
      problem = nullEntry(at + ".env", container.getEnv(), "an EnvVar object");
      if (problem == null) {
        problem = nullEntry(at + ".volumeMounts", container.getVolumeMounts(), "a VolumeMount object");
      }
      if (problem == null) {
        problem = nullEntry(at + ".ports", container.getPorts(), "a ContainerPort object");
      }
    }
    return problem;
  }

  private static String nullEntry(String path, List<?> list, String expected) {
    if (list == null) {
      return null;
    }
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) == null) {
        return path + "[" + i + "] is null: expected " + expected;
      }
    }
    return null;
  }

  private static String nullValue(Map<String, String> map) {
    if (map == null) {
      return null;
    }
    for (Map.Entry<String, String> entry : map.entrySet()) {
      if (entry.getValue() == null) {
        return entry.getKey();
      }
    }
    return null;
  }
}
