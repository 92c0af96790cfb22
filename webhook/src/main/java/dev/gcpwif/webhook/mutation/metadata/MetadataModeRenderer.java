package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.InjectionReceipt;
import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.SidecarSettings;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentity;
import dev.gcpwif.webhook.mutation.file.FileModeRenderer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Metadata mode, rendered straight from the identity: the sidecar first and the only container that mounts the
 * projected token, app containers pointed at it and given the boto file alone (gsutil switched to GCE credentials),
 * and the optional {@code metadata.google.internal} alias. Everything added is recorded in the receipt.
 */
public final class MetadataModeRenderer {
  private final SidecarSettings settings;
  private final Names names;
  private final FileModeRenderer files;
  private final SidecarContainerFactory sidecars;
  private final Map<String, String> appEnv;

  public MetadataModeRenderer(WebhookSettings settings) {
    this.settings = settings.sidecar();
    this.names = new Names(settings.annotationPrefix());
    this.files = new FileModeRenderer(settings);
    this.sidecars = new SidecarContainerFactory(settings.sidecar());
    this.appEnv = AppContainerEnv.forSidecarAt(settings.sidecar().loopbackAddress());
  }

  /**
   * @param containers the containers and init containers of {@code pod} that are not skipped (never empty)
   * @throws InvalidAnnotationException for a pod on the host network: its loopback is the node's, or
   *     ({@link dev.gcpwif.webhook.mutation.core.PodConflictException}) when the pod has a container or volume of the
   *     sidecar's names, or a container that declares a port the sidecar binds
   */
  public void render(Pod pod, List<Container> containers, WorkloadIdentity identity, MetadataModeOptions options,
      InjectionReceipt.Builder receipt) throws InvalidAnnotationException {
    PodSpec spec = pod.getSpec();
    if (Boolean.TRUE.equals(spec.getHostNetwork())) {
      throw new InvalidAnnotationException(names.injectionMode(), "metadata",
          "\"direct\" or \"gcloud\" for a pod with hostNetwork: true, because the metadata sidecar listens on"
              + " loopback, and on the host network loopback is shared by every process on the node, which would all"
              + " get this pod's Google identity");
    }
    for (Container container : containers) {
      files.checkMountPathIsFree(container);
    }
    ReservedNames.requireFree(spec, names.injectionMode());
    ReservedPorts.requireFree(spec, settings, options, names.prefix());

    files.writeAnnotations(pod, identity, MetadataModeBoto.text(options.projectId()), receipt);
    giveTheTokenToTheSidecarAlone(spec);
    for (Container container : containers) {
      FileModeRenderer.mount(container, Names.BOTO_VOLUME, receipt);
      FileModeRenderer.appendMissing(container, environment(identity, FileModeRenderer.envNames(container)), receipt);
    }
    placeSidecar(spec, sidecars.container(options), receipt);
    files.putCredentialsVolume(pod, identity, receipt);
    putVolume(spec, sidecars.tmpVolume(), receipt);
    putVolume(spec, BotoVolume.render(names.prefix()), receipt);
    if (options.bindMetadataHostname()) {
      HostnameOptIn.apply(spec, receipt);
    }
  }

  /**
   * File mode's variables but the credential-file ones (one token source for the whole pod: a library that read the
   * file would exchange the token itself), then those that point at the sidecar.
   */
  private Map<String, String> environment(WorkloadIdentity identity, Set<String> alreadySet) {
    Map<String, String> env = new LinkedHashMap<>(files.environment(identity, alreadySet));
    env.remove(Names.GOOGLE_APPLICATION_CREDENTIALS);
    env.remove(Names.CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE);
    env.putAll(appEnv);
    return env;
  }

  /**
   * The projected token is exchangeable off the cluster for its whole lifetime, and in metadata mode only the sidecar
   * exchanges it: no other container, skipped or not, keeps a mount of the token volume.
   */
  private static void giveTheTokenToTheSidecarAlone(PodSpec spec) {
    Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream())
        .filter(c -> c != null && c.getVolumeMounts() != null && c.getVolumeMounts().stream()
            .anyMatch(m -> m != null && Names.CREDENTIALS_VOLUME.equals(m.getName())))
        .forEach(c -> {
          List<VolumeMount> mounts = new ArrayList<>(c.getVolumeMounts());
          mounts.removeIf(m -> m != null && Names.CREDENTIALS_VOLUME.equals(m.getName()));
          c.setVolumeMounts(mounts);
        });
  }

  /** First of its list: a native sidecar is up (startup probe passed) before the next init container starts. */
  private void placeSidecar(PodSpec spec, Container sidecar, InjectionReceipt.Builder receipt) {
    List<Container> target = new ArrayList<>(settings.nativeSidecar() ? spec.getInitContainers() : spec.getContainers());
    target.add(0, sidecar);
    if (settings.nativeSidecar()) {
      spec.setInitContainers(target);
    } else {
      spec.setContainers(target);
    }
    receipt.sidecar(sidecar.getName());
  }

  private static void putVolume(PodSpec spec, Volume volume, InjectionReceipt.Builder receipt) {
    List<Volume> volumes = new ArrayList<>(spec.getVolumes());
    int existing = -1;
    for (int i = 0; i < volumes.size(); i++) {
      if (volumes.get(i) != null && volume.getName().equals(volumes.get(i).getName())) {
        existing = i;
      }
    }
    if (existing >= 0) {
      volumes.set(existing, volume);
    } else {
      volumes.add(volume);
    }
    spec.setVolumes(volumes);
    receipt.volume(volume.getName());
  }

  /** The sidecar a pass of this webhook rendered (its name, flags, port and mounts), for pods without a receipt. */
  public static boolean isOurSidecar(Container container) {
    return SidecarContainerFactory.isOurs(container);
  }

  /** The {@code --listen} addresses of a sidecar {@link #isOurSidecar} accepts, the metadata port first. */
  public static List<String> sidecarListenAddresses(Container container) {
    return SidecarContainerFactory.listenAddresses(container);
  }

  /** The {@code --project-id} of such a sidecar, or null. */
  public static String sidecarProjectId(Container container) {
    return SidecarContainerFactory.projectId(container);
  }

  /** The app containers' boto volume as a pass rendered it. */
  public static boolean isOurBotoVolume(Volume volume) {
    return BotoVolume.isOurs(volume);
  }

  /**
   * The sidecar's scratch volume as a pass rendered it: an emptyDir of its name that no container of {@code spec} but
   * our sidecar mounts (looked at once, so the test costs nothing per volume).
   */
  public static Predicate<Volume> ourTmpVolumes(PodSpec spec) {
    boolean othersMountIt = ReservedNames.othersMountTmpVolume(spec);
    return volume -> volume != null && ReservedNames.isOurTmpVolume(volume, othersMountIt);
  }
}
