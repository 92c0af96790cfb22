package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.SidecarSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.ArrayList;
import java.util.List;

/** Renders the metadata sidecar container and the scratch volume it needs. */
final class SidecarContainerFactory {
  static final long RUN_AS = 65532;

  private final SidecarSettings settings;

  SidecarContainerFactory(SidecarSettings settings) {
    this.settings = settings;
  }

  Container container(MetadataModeOptions options) {
    ContainerBuilder builder = new ContainerBuilder()
        .withName(Names.SIDECAR_CONTAINER)
        .withImage(settings.image())
        .withImagePullPolicy(settings.imagePullPolicy())
        .withArgs(args(options))
        // The sidecar reads the same external_account file the app containers would have used.
        .addNewEnv().withName("GOOGLE_APPLICATION_CREDENTIALS").withValue(Names.CREDENTIALS_PATH).endEnv()
        .addNewPort().withName(Names.SIDECAR_HEALTH_PORT_NAME).withContainerPort(settings.healthPort()).withProtocol("TCP").endPort()
        .withStartupProbe(startupProbe())
        .withLivenessProbe(livenessProbe())
        .withResources(resources())
        .withSecurityContext(securityContext(options))
        .addNewVolumeMount()
            .withName(Names.CREDENTIALS_VOLUME).withMountPath(Names.MOUNT_PATH).withReadOnly(true)
        .endVolumeMount()
        .addNewVolumeMount().withName(Names.SIDECAR_TMP_VOLUME).withMountPath(Names.SIDECAR_TMP_PATH).endVolumeMount()
        // A start-up error (bad config, port in use) is one log line: show it in the pod status too.
        .withTerminationMessagePolicy("FallbackToLogsOnError");
    if (settings.nativeSidecar()) {
      builder.withRestartPolicy("Always");
    }
    return builder.build();
  }

  static boolean isSidecar(Container container) {
    return Names.SIDECAR_CONTAINER.equals(container.getName());
  }

  /**
   * A container of our name is ours when it carries what {@link #container} renders and a user's container would not:
   * the {@code --listen} and {@code --health-port} arguments, the health port's name, and both of our mounts. The
   * image is not compared: it changes with {@code --sidecar-image} between passes.
   */
  static boolean isOurs(Container container) {
    return isSidecar(container)
        && listenAddresses(container).size() > 0
        && container.getArgs() != null && container.getArgs().contains("--health-port")
        && container.getPorts() != null
        && container.getPorts().stream().anyMatch(port -> port != null && Names.SIDECAR_HEALTH_PORT_NAME.equals(port.getName()))
        && mounts(container, Names.CREDENTIALS_VOLUME, Names.MOUNT_PATH)
        && mounts(container, Names.SIDECAR_TMP_VOLUME, Names.SIDECAR_TMP_PATH);
  }

  /** The values of the container's {@code --listen} arguments, in order: the metadata port first. */
  static List<String> listenAddresses(Container container) {
    return argumentValues(container, "--listen");
  }

  /** The sidecar's {@code --project-id}, or null when it was rendered without one. */
  static String projectId(Container container) {
    List<String> values = argumentValues(container, "--project-id");
    return values.isEmpty() ? null : values.get(0);
  }

  private static List<String> argumentValues(Container container, String flag) {
    List<String> args = container.getArgs() == null ? List.of() : container.getArgs();
    List<String> values = new ArrayList<>();
    for (int i = 0; i + 1 < args.size(); i++) {
      if (flag.equals(args.get(i))) {
        values.add(args.get(i + 1));
      }
    }
    return values;
  }

  private static boolean mounts(Container container, String volume, String path) {
    return container.getVolumeMounts() != null && container.getVolumeMounts().stream()
        .anyMatch(mount -> mount != null && volume.equals(mount.getName()) && path.equals(mount.getMountPath()));
  }

  Volume tmpVolume() {
    return new VolumeBuilder().withName(Names.SIDECAR_TMP_VOLUME)
        .withNewEmptyDir().withSizeLimit(new Quantity("16Mi")).endEmptyDir()
        .build();
  }

  private List<String> args(MetadataModeOptions options) {
    List<String> args = new ArrayList<>(List.of("--listen", settings.loopbackAddress()));
    if (options.bindMetadataHostname()) {
      args.addAll(List.of("--listen", Names.LOOPBACK + ":" + Names.METADATA_HOSTNAME_PORT));
    }
    args.addAll(List.of("--health-port", Integer.toString(settings.healthPort())));
    if (options.projectId() != null) {
      args.addAll(List.of("--project-id", options.projectId()));
    }
    if (settings.logLevel() != null) {
      args.addAll(List.of("--log-level", settings.logLevel()));
    }
    return args;
  }

  /**
   * Polled every second, so app containers start as soon as a token could be obtained; 120 failures (two minutes)
   * cover a slow token file and a slow first STS exchange before the kubelet restarts the sidecar and says why.
   */
  private Probe startupProbe() {
    return httpProbe("/readyz", 1, 2, 120);
  }

  /** Only the process: an unreachable Google must not restart a sidecar that still serves a cached token. */
  private Probe livenessProbe() {
    return httpProbe("/healthz", 10, 3, 3);
  }

  private Probe httpProbe(String path, int periodSeconds, int timeoutSeconds, int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet().withPath(path).withPort(new IntOrString(settings.healthPort())).endHttpGet()
        .withPeriodSeconds(periodSeconds)
        .withTimeoutSeconds(timeoutSeconds)
        .withFailureThreshold(failureThreshold)
        .build();
  }

  private ResourceRequirements resources() {
    ResourceRequirementsBuilder builder = new ResourceRequirementsBuilder();
    if (settings.cpuRequest() != null) {
      builder.addToRequests("cpu", new Quantity(settings.cpuRequest()));
    }
    if (settings.memoryRequest() != null) {
      builder.addToRequests("memory", new Quantity(settings.memoryRequest()));
    }
    if (settings.cpuLimit() != null) {
      builder.addToLimits("cpu", new Quantity(settings.cpuLimit()));
    }
    if (settings.memoryLimit() != null) {
      builder.addToLimits("memory", new Quantity(settings.memoryLimit()));
    }
    return builder.build();
  }

  /**
   * The Pod Security "restricted" profile. {@code NET_BIND_SERVICE} is what the profile allows for port 80; for a
   * non-root uid it is not effective on its own, see {@link Names#UNPRIVILEGED_PORT_SYSCTL}.
   */
  private SecurityContext securityContext(MetadataModeOptions options) {
    SecurityContextBuilder builder = new SecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(RUN_AS)
        .withRunAsGroup(RUN_AS)
        .withReadOnlyRootFilesystem(true)
        .withAllowPrivilegeEscalation(false)
        .withPrivileged(false)
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile();
    if (options.bindMetadataHostname()) {
      builder.withNewCapabilities().withDrop("ALL").withAdd("NET_BIND_SERVICE").endCapabilities();
    } else {
      builder.withNewCapabilities().withDrop("ALL").endCapabilities();
    }
    return builder.build();
  }
}
