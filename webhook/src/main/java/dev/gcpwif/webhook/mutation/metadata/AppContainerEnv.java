package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.Names;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The variables that point an app container at the in-pod metadata server, in the order they are appended. */
final class AppContainerEnv {
  private AppContainerEnv() {}

  /**
   * @param loopbackAddress {@code 127.0.0.1:PORT} of the sidecar
   */
  static Map<String, String> forSidecarAt(String loopbackAddress) {
    Map<String, String> env = new LinkedHashMap<>();
    // gcloud's own code and gsutil read only GCE_METADATA_ROOT.
    env.put(Names.GCE_METADATA_ROOT, loopbackAddress);
    // Python (data), Java, Go, Node read GCE_METADATA_HOST; Go then skips its 169.254.169.254 probe.
    env.put(Names.GCE_METADATA_HOST, loopbackAddress);
    // Python's ping and Node's base URL use GCE_METADATA_IP.
    env.put(Names.GCE_METADATA_IP, loopbackAddress);
    // Node's gcp-metadata otherwise probes and caches "not on GCP" for the life of the process; the pod does have a
    // metadata server. (NO_GCE_CHECK is not set: in Java, NO_GCE_CHECK=true turns GCE detection off.)
    env.put(Names.METADATA_SERVER_DETECTION, "assume-present");
    return Collections.unmodifiableMap(env);
  }
}
