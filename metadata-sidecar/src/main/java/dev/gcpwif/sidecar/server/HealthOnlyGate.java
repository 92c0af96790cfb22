package dev.gcpwif.sidecar.server;

import java.util.Set;

/**
 * The rule of the probe port (bound to every interface so that the kubelet can reach it at the pod IP): a request
 * gets through only as {@code GET /healthz} or {@code GET /readyz}; anything else is answered 404 before the metadata
 * routes could see it. Exact matches on the raw path only, so no encoding or dot-segment trick reaches a token from
 * the network.
 */
final class HealthOnlyGate {
  private static final Set<String> PROBE_PATHS = Set.of("/healthz", "/readyz");

  private HealthOnlyGate() {}

  static boolean admits(String method, String rawPath) {
    return "GET".equals(method) && PROBE_PATHS.contains(rawPath);
  }

  /** Deliberately without the Metadata-Flavor header: nothing on this port is a metadata server. */
  static Reply refusal() {
    return Reply.of(404, "text/plain; charset=utf-8", "Not Found\n");
  }
}
