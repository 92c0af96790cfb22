package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.mutation.core.Names;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.util.Map;

/**
 * Per-pod choices of metadata mode.
 *
 * @param bindMetadataHostname also answer on {@code metadata.google.internal:80} (hostAliases + a second listener), for
 *     tools that hard-code the hostname (gsutil's XML API, Java or Python code that ignores the env variables)
 * @param projectId the project id to pass to the sidecar, or null to let it derive one from the service account email
 */
public record MetadataModeOptions(boolean bindMetadataHostname, String projectId) {

  public static MetadataModeOptions defaults() {
    return new MetadataModeOptions(false, null);
  }

  /**
   * Reads the hostname opt-in from the pod, falling back to its ServiceAccount.
   *
   * @throws InvalidAnnotationException when the value is neither {@code "true"} nor {@code "false"}
   */
  public static MetadataModeOptions fromAnnotations(Pod pod, ServiceAccount serviceAccount, String annotationPrefix,
      String projectId) throws InvalidAnnotationException {
    String key = new Names(annotationPrefix).metadataHostname();
    String value = annotation(pod, key);
    if (value == null) {
      value = annotation(serviceAccount, key);
    }
    return new MetadataModeOptions(parseBoolean(key, value), projectId);
  }

  private static boolean parseBoolean(String key, String value) throws InvalidAnnotationException {
    if (value == null) {
      return false;
    }
    return switch (value.strip()) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new InvalidAnnotationException(key, value, "\"true\" or \"false\"");
    };
  }

  private static String annotation(HasMetadata object, String key) {
    if (object == null || object.getMetadata() == null) {
      return null;
    }
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }
}
