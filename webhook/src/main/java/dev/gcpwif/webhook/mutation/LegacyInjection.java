package dev.gcpwif.webhook.mutation;

import static dev.gcpwif.webhook.mutation.core.PodSpecs.allContainers;
import static dev.gcpwif.webhook.mutation.core.PodSpecs.orEmpty;

import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentity;
import dev.gcpwif.webhook.mutation.file.FileModeRenderer;
import dev.gcpwif.webhook.mutation.file.InjectedEnvironment;
import dev.gcpwif.webhook.mutation.metadata.MetadataModeRenderer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Compatibility with pods mutated by versions before receipts (0.1): such a pod carries our additions but no
 * {@code <prefix>/injection} annotation to say which. Only our own volume or sidecar, recognized by their shape,
 * counts as evidence; without it nothing is touched. With it, what those versions added is recognized by name and
 * value (a variable the user set to the very value the webhook gives is taken for ours, and rendered again) and
 * removed, so that the pass renders the pod anew and writes a receipt: the next pass takes the receipt path.
 */
final class LegacyInjection {
  private static final String ASSUME_PRESENT = "assume-present";

  private final WebhookSettings settings;
  private final Names names;

  LegacyInjection(WebhookSettings settings) {
    this.settings = settings;
    this.names = new Names(settings.annotationPrefix());
  }

  /** Modifies {@code pod} in place (the mutator's copy); does nothing unless the pod shows our additions. */
  void removeFrom(Pod pod, WorkloadIdentity identity) {
    PodSpec spec = pod.getSpec();
    if (!isPresentIn(spec)) {
      return;
    }
    List<Container> sidecars = allContainers(spec).filter(MetadataModeRenderer::isOurSidecar).toList();
    Set<String> metadataAddresses = new HashSet<>();
    Set<String> projects = new HashSet<>();
    identity.projectId().ifPresent(projects::add);
    boolean hostname = false;
    for (Container sidecar : sidecars) {
      List<String> listening = MetadataModeRenderer.sidecarListenAddresses(sidecar);
      metadataAddresses.add(listening.get(0));
      hostname |= listening.contains(Names.LOOPBACK + ":" + Names.METADATA_HOSTNAME_PORT);
      if (MetadataModeRenderer.sidecarProjectId(sidecar) != null) {
        projects.add(MetadataModeRenderer.sidecarProjectId(sidecar));
      }
    }
    spec.setInitContainers(withoutOurSidecar(spec.getInitContainers()));
    spec.setContainers(withoutOurSidecar(spec.getContainers()));
    Predicate<Volume> ourTmp = MetadataModeRenderer.ourTmpVolumes(spec);
    if (spec.getVolumes() != null) {
      List<Volume> kept = new ArrayList<>(spec.getVolumes());
      kept.removeIf(v -> v != null && (FileModeRenderer.isOurs(v, names) || MetadataModeRenderer.isOurBotoVolume(v)
          || ourTmp.test(v)));
      spec.setVolumes(kept);
    }
    if (metadataAddresses.isEmpty()) {
      metadataAddresses.add(settings.sidecar().loopbackAddress());
    }
    allContainers(spec).forEach(c -> {
      if (c.getVolumeMounts() != null) {
        c.setVolumeMounts(new ArrayList<>(c.getVolumeMounts().stream()
            .filter(m -> m == null || !Names.MOUNT_PATH.equals(m.getMountPath())
                || !(Names.CREDENTIALS_VOLUME.equals(m.getName()) || Names.BOTO_VOLUME.equals(m.getName())))
            .toList()));
      }
      if (c.getEnv() != null) {
        c.setEnv(new ArrayList<>(c.getEnv().stream().filter(e -> !isOurs(e, projects, metadataAddresses)).toList()));
      }
    });
    if (hostname) {
      removeHostnameOptIn(spec);
    }
  }

  /** Whether {@code spec} shows the evidence this path acts on: our volume or our sidecar, recognized by shape. */
  boolean isPresentIn(PodSpec spec) {
    if (spec == null) {
      return false;
    }
    return allContainers(spec).anyMatch(MetadataModeRenderer::isOurSidecar)
        || orEmpty(spec.getVolumes()).stream().anyMatch(v -> v != null
            && (FileModeRenderer.isOurs(v, names) || MetadataModeRenderer.isOurBotoVolume(v)));
  }

  private boolean isOurs(EnvVar var, Set<String> projects, Set<String> metadataAddresses) {
    if (var == null || var.getName() == null || var.getValueFrom() != null || var.getValue() == null) {
      return false;
    }
    String value = var.getValue();
    return switch (var.getName()) {
      case Names.GOOGLE_APPLICATION_CREDENTIALS, Names.CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE ->
          Names.CREDENTIALS_PATH.equals(value);
      case Names.BOTO_PATH -> InjectedEnvironment.BOTO_PATH_VALUE.equals(value);
      case Names.GOOGLE_CLOUD_PROJECT ->
          projects.contains(value) || ("$(" + Names.CLOUDSDK_CORE_PROJECT + ")").equals(value);
      case Names.CLOUDSDK_CORE_PROJECT ->
          projects.contains(value) || ("$(" + Names.GOOGLE_CLOUD_PROJECT + ")").equals(value);
      case Names.CLOUDSDK_COMPUTE_REGION -> value.equals(settings.defaultRegion());
      case Names.GCE_METADATA_ROOT, Names.GCE_METADATA_HOST, Names.GCE_METADATA_IP ->
          metadataAddresses.contains(value);
      case Names.METADATA_SERVER_DETECTION -> ASSUME_PRESENT.equals(value);
      default -> false;
    };
  }

  /** The loopback alias of the hostname, and the sysctl while it holds the value the opt-in sets. */
  private static void removeHostnameOptIn(PodSpec spec) {
    List<HostAlias> aliases = new ArrayList<>();
    for (HostAlias alias : orEmpty(spec.getHostAliases())) {
      if (alias != null && Names.LOOPBACK.equals(alias.getIp()) && alias.getHostnames() != null
          && alias.getHostnames().contains(Names.METADATA_HOSTNAME)) {
        List<String> hostnames = new ArrayList<>(alias.getHostnames());
        hostnames.removeIf(Names.METADATA_HOSTNAME::equals);
        if (hostnames.isEmpty()) {
          continue;
        }
        alias.setHostnames(hostnames);
      }
      aliases.add(alias);
    }
    spec.setHostAliases(aliases);
    PodSecurityContext context = spec.getSecurityContext();
    if (context == null || context.getSysctls() == null) {
      return;
    }
    List<Sysctl> sysctls = new ArrayList<>(context.getSysctls());
    sysctls.removeIf(s -> s != null && Names.UNPRIVILEGED_PORT_SYSCTL.equals(s.getName())
        && Integer.toString(Names.METADATA_HOSTNAME_PORT).equals(s.getValue()));
    context.setSysctls(sysctls);
    if (context.equals(new PodSecurityContext())) {
      spec.setSecurityContext(null);
    }
  }

  private static List<Container> withoutOurSidecar(List<Container> containers) {
    if (containers == null) {
      return null;
    }
    List<Container> kept = new ArrayList<>(containers);
    kept.removeIf(c -> c != null && MetadataModeRenderer.isOurSidecar(c));
    return kept;
  }
}
