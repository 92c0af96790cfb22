package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Points one app container at the in-pod metadata server instead of the credential file. */
final class AppContainerEnv {
  /** In the order they are appended to a container's env. */
  private final Map<String, String> added;

  /**
   * @param loopbackAddress {@code 127.0.0.1:PORT} of the sidecar
   */
  AppContainerEnv(String loopbackAddress) {
    Map<String, String> env = new LinkedHashMap<>();
    // gcloud's own code and gsutil read only GCE_METADATA_ROOT.
    env.put("GCE_METADATA_ROOT", loopbackAddress);
    // Python (data), Java, Go, Node read GCE_METADATA_HOST; Go then skips its 169.254.169.254 probe.
    env.put("GCE_METADATA_HOST", loopbackAddress);
    // Python's ping and Node's base URL use GCE_METADATA_IP.
    env.put("GCE_METADATA_IP", loopbackAddress);
    // Node's gcp-metadata otherwise probes and caches "not on GCP" for the life of the process; the pod does have a
    // metadata server. (NO_GCE_CHECK is not set: in Java, NO_GCE_CHECK=true turns GCE detection off.)
    env.put("METADATA_SERVER_DETECTION", "assume-present");
    this.added = java.util.Collections.unmodifiableMap(env);
  }

  /**
   * Adds the metadata variables the container does not set itself, and removes the credential-file variables whose
   * value is the injected file (a user's own value wins), so that every library in the pod uses one token source.
   */
  void apply(Container container) {
    List<EnvVar> env = new ArrayList<>(container.getEnv());
    env.removeIf(AppContainerEnv::isInjectedCredentialFileVariable);
    for (String name : added.keySet()) {
      boolean userSet = env.stream().anyMatch(var -> name.equals(var.getName()));
      if (!userSet) {
        env.add(new EnvVar(name, added.get(name), null));
      }
    }
    container.setEnv(env);
  }

  /**
   * Undoes {@link #apply} for a sidecar at this address: removes the variables it added (same name, same value) and
   * puts the credential-file variables it removed back where file mode appends them, in front of file mode's other
   * variables, so the container ends up as file mode alone would leave it. A container without any of the added
   * variables is left alone.
   *
   * @param projectId the project the previous pass knew (the sidecar's {@code --project-id}), or null
   */
  void revert(Container container, String projectId) {
    if (container.getEnv() == null) {
      return;
    }
    // One pass: removing entries one by one from an ArrayList costs the list's length each.
    List<EnvVar> env = new ArrayList<>(container.getEnv().size());
    int firstRemoved = -1;
    for (EnvVar var : container.getEnv()) {
      if (isAdded(var)) {
        firstRemoved = firstRemoved < 0 ? env.size() : firstRemoved;
      } else {
        env.add(var);
      }
    }
    if (firstRemoved < 0) {
      return;
    }
    List<EnvVar> restored = new ArrayList<>();
    for (String name : FileModeLayout.CREDENTIAL_FILE_VARIABLES) {
      if (env.stream().noneMatch(var -> var != null && name.equals(var.getName()))) {
        restored.add(new EnvVar(name, Names.CREDENTIALS_PATH, null));
      }
    }
    env.addAll(startOfFileModeBlock(env, firstRemoved, projectId), restored);
    container.setEnv(env);
  }

  /**
   * Walks back from {@code end} over the variables file mode appended after the credential-file ones: they come in
   * {@link FileModeLayout#FOLLOWING_VARIABLES} order with file mode's values, which tells them from a user's.
   */
  private static int startOfFileModeBlock(List<EnvVar> env, int end, String projectId) {
    int start = end;
    int rank = FileModeLayout.FOLLOWING_VARIABLES.size();
    while (start > 0) {
      EnvVar var = env.get(start - 1);
      int varRank = var == null ? -1 : FileModeLayout.FOLLOWING_VARIABLES.indexOf(var.getName());
      if (varRank < 0 || varRank >= rank || var.getValueFrom() != null || !hasFileModeValue(var, projectId)) {
        break;
      }
      rank = varRank;
      start--;
    }
    return start;
  }

  private static boolean hasFileModeValue(EnvVar var, String projectId) {
    return switch (var.getName()) {
      case "BOTO_PATH" -> FileModeLayout.BOTO_PATH_VALUE.equals(var.getValue());
      // or file mode's reference to the other variable, given when the container set that one itself
      case "GOOGLE_CLOUD_PROJECT" -> projectId != null && projectId.equals(var.getValue())
          || "$(CLOUDSDK_CORE_PROJECT)".equals(var.getValue());
      case "CLOUDSDK_CORE_PROJECT" -> projectId != null && projectId.equals(var.getValue())
          || "$(GOOGLE_CLOUD_PROJECT)".equals(var.getValue());
      default -> true; // the region comes from a webhook flag the pod does not record
    };
  }

  private boolean isAdded(EnvVar var) {
    return var != null && var.getValueFrom() == null && var.getValue() != null
        && var.getValue().equals(added.get(var.getName()));
  }

  private static boolean isInjectedCredentialFileVariable(EnvVar var) {
    return FileModeLayout.CREDENTIAL_FILE_VARIABLES.contains(var.getName())
        && var.getValueFrom() == null
        && Names.CREDENTIALS_PATH.equals(var.getValue());
  }
}
