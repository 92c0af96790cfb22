package dev.gcpwif.webhook.mutation.core;

/**
 * Cluster-wide settings of the injected metadata sidecar, set by webhook flags.
 *
 * @param image the sidecar image; its entrypoint runs the jar, so the container sets only args and env
 * @param port the loopback port the metadata endpoint listens on; app containers are pointed at it
 * @param healthPort the port on all interfaces that serves only {@code /healthz} and {@code /readyz}: the kubelet
 *     probes the pod IP, never the pod's loopback, and the metadata port must stay loopback-only (on the pod IP any
 *     other pod of the cluster could fetch this pod's tokens)
 * @param cpuRequest CPU request (Kubernetes quantity)
 * @param memoryRequest memory request
 * @param cpuLimit CPU limit, or null for none: a CPU limit throttles the JVM start, which gates the app containers
 * @param memoryLimit memory limit, or null for none; the image's JVM flags (metadata-sidecar/jvm.options: 24m heap,
 *     48m metaspace, 12m code cache) measured 90-96 MiB resident
 * @param nativeSidecar true: an init container with {@code restartPolicy: Always} (Kubernetes 1.29+); false: a plain
 *     first container, for older clusters (no start ordering, and Jobs never complete while it runs)
 * @param logLevel the sidecar's {@code --log-level}, or null to keep its default
 * @param imagePullPolicy {@code Always}, {@code IfNotPresent}, {@code Never}, or null for the cluster default
 */
public record SidecarSettings(
    String image,
    int port,
    int healthPort,
    String cpuRequest,
    String memoryRequest,
    String cpuLimit,
    String memoryLimit,
    boolean nativeSidecar,
    String logLevel,
    String imagePullPolicy) {

  public static final String DEFAULT_IMAGE = "ghcr.io/gcp-wif/metadata-sidecar:0.1.0";
  public static final int DEFAULT_PORT = 8988;
  public static final int DEFAULT_HEALTH_PORT = 8989;
  private static final java.util.Set<String> LOG_LEVELS = java.util.Set.of("error", "warn", "info", "debug", "trace");
  /** Kubernetes resource quantity: a decimal number with an optional binary, decimal or exponent suffix. */
  private static final java.util.regex.Pattern QUANTITY =
      java.util.regex.Pattern.compile("(\\d+(\\.\\d*)?|\\.\\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\\d+)?");

  public SidecarSettings {
    if (image == null || image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("sidecar image must be a non-empty image reference, got \"" + image + "\"");
    }
    requirePort("sidecar port", port);
    requirePort("sidecar health port", healthPort);
    if (port == Names.METADATA_HOSTNAME_PORT || healthPort == Names.METADATA_HOSTNAME_PORT) {
      throw new IllegalArgumentException("sidecar ports must not be 80: it is reserved for the metadata.google.internal"
          + " listener of the hostname opt-in");
    }
    if (port == healthPort) {
      throw new IllegalArgumentException("sidecar port and health port must differ (the metadata port is loopback-only,"
          + " the health port is not), both are " + port);
    }
    requireQuantity("sidecar CPU request", cpuRequest);
    requireQuantity("sidecar memory request", memoryRequest);
    requireQuantity("sidecar CPU limit", cpuLimit);
    requireQuantity("sidecar memory limit", memoryLimit);
    if (logLevel != null && !LOG_LEVELS.contains(logLevel)) {
      throw new IllegalArgumentException("sidecar log level must be one of error, warn, info, debug, trace, got \""
          + logLevel + "\"");
    }
    if (imagePullPolicy != null && !imagePullPolicy.matches("Always|IfNotPresent|Never")) {
      throw new IllegalArgumentException("sidecar image pull policy must be Always, IfNotPresent or Never, got \""
          + imagePullPolicy + "\"");
    }
  }

  /**
   * Defaults sized for the image's JVM flags (metadata-sidecar/jvm.options; BENCHMARKS.md "Issue 14"): the 80Mi request
   * covers the steady resident set (64-65 MiB idle, 67-68 MiB after 100,000 cached token requests, with the CDS
   * archive; 1-2 MiB more with the JDK's whole default trust store). The 128Mi limit is more than 1.5 times the highest
   * peak measured (72-74 MiB after 1,000 concurrent clients on an empty cache, at most 256 connections open, waiting
   * clients holding no thread; 76 MiB allowing for the default trust store) and stays above that peak plus everything
   * the capped areas could still add: the whole 16 MiB heap, the code cache from 4.3 to 12 MiB, 4 MiB of direct
   * buffers, i.e. 104 MiB. Metaspace (4 MiB with the archive, 15 MiB without, of its 48 MiB cap) holds
   * a fixed set of classes. No CPU limit: throttling would slow the start app containers wait for.
   */
  public static SidecarSettings defaults() {
    return new SidecarSettings(DEFAULT_IMAGE, DEFAULT_PORT, DEFAULT_HEALTH_PORT, "20m", "80Mi", null, "128Mi", true,
        null, null);
  }

  /** The address app containers are given: {@code 127.0.0.1:PORT}. */
  public String loopbackAddress() {
    return "127.0.0.1:" + port;
  }

  public SidecarSettings withNativeSidecar(boolean nativeSidecar) {
    return new SidecarSettings(image, port, healthPort, cpuRequest, memoryRequest, cpuLimit, memoryLimit, nativeSidecar,
        logLevel, imagePullPolicy);
  }

  private static void requireQuantity(String what, String quantity) {
    if (quantity != null && !QUANTITY.matcher(quantity).matches()) {
      throw new IllegalArgumentException(what + " must be a Kubernetes quantity like 20m, 0.5, 96Mi or 1G, got \""
          + quantity + "\"");
    }
  }

  private static void requirePort(String what, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(what + " must be between 1 and 65535, got " + port);
    }
  }
}
