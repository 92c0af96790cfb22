package dev.gcpwif.webhook.mutation.file;

import dev.gcpwif.webhook.mutation.core.InjectionReceipt;
import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.PodConflictException;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * File-based credentials, rendered straight from the identity: one projected volume with the token, the credential
 * configuration and the boto file (both written into pod annotations and projected through the downward API, so no
 * other object is created), a read-only mount in every injected container, and the environment that points each SDK
 * at the files. Everything added is recorded in the receipt. The parts metadata mode shares (annotations, the volume,
 * the mount path check, the variables) are public for it.
 */
public final class FileModeRenderer {
  private final WebhookSettings settings;
  private final Names names;
  private final InjectedEnvironment environment;

  public FileModeRenderer(WebhookSettings settings) {
    this.settings = settings;
    this.names = new Names(settings.annotationPrefix());
    this.environment = new InjectedEnvironment(settings);
  }

  /**
   * @param containers the containers and init containers of {@code pod} that are not skipped (never empty)
   */
  public void render(Pod pod, List<Container> containers, WorkloadIdentity identity, InjectionReceipt.Builder receipt)
      throws InvalidAnnotationException {
    for (Container container : containers) {
      checkMountPathIsFree(container);
    }
    writeAnnotations(pod, identity, BotoConfig.render(Names.CREDENTIALS_PATH, identity.projectId()), receipt);
    putCredentialsVolume(pod, identity, receipt);
    for (Container container : containers) {
      mount(container, Names.CREDENTIALS_VOLUME, receipt);
      appendMissing(container, environment.forContainer(identity, envNames(container)), receipt);
    }
  }

  /** The variables file mode gives a container that already sets {@code alreadySet}, in the order appended. */
  public Map<String, String> environment(WorkloadIdentity identity, Set<String> alreadySet) {
    return environment.forContainer(identity, alreadySet);
  }

  /**
   * The credential configuration, the boto file and the identity used. Rewritten in place on every pass (so they are
   * not removed between passes): the files must describe the ServiceAccount as it is now.
   */
  public void writeAnnotations(Pod pod, WorkloadIdentity identity, String boto, InjectionReceipt.Builder receipt) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    if (annotations == null) {
      annotations = new LinkedHashMap<>();
      pod.getMetadata().setAnnotations(annotations);
    }
    put(annotations, names.externalCredentialsJson(), ExternalAccountConfig.render(
        identity.provider(), identity.serviceAccountEmail(), Names.TOKEN_PATH), receipt);
    put(annotations, names.botoConfig(), boto, receipt);
    // The identity used, under the ServiceAccount's keys, as the Go webhook writes it: scripts and dashboards read
    // it from the pod. Whatever a copied manifest carried there is replaced, and an email no longer used removed.
    put(annotations, names.provider(), identity.provider(), receipt);
    if (identity.serviceAccountEmail().isPresent()) {
      put(annotations, names.serviceAccountEmail(), identity.serviceAccountEmail().get(), receipt);
    } else {
      annotations.remove(names.serviceAccountEmail());
    }
    put(annotations, names.audience(), identity.audience(), receipt);
    // Also the pod's own override key: a later pass reads it back and gets the same value (the Go webhook does so too).
    put(annotations, names.tokenExpiration(), Long.toString(identity.tokenExpirationSeconds()), receipt);
  }

  private static void put(Map<String, String> annotations, String key, String value, InjectionReceipt.Builder receipt) {
    annotations.put(key, value);
    receipt.annotation(key);
  }

  public void putCredentialsVolume(Pod pod, WorkloadIdentity identity, InjectionReceipt.Builder receipt)
      throws PodConflictException {
    List<Volume> volumes = pod.getSpec().getVolumes();
    if (volumes == null) {
      volumes = new ArrayList<>();
      pod.getSpec().setVolumes(volumes);
    }
    Volume wanted = volume(identity);
    receipt.volume(Names.CREDENTIALS_VOLUME);
    for (int i = 0; i < volumes.size(); i++) {
      Volume existing = volumes.get(i);
      if (existing != null && Names.CREDENTIALS_VOLUME.equals(existing.getName())) {
        if (!isOurs(existing, names)) {
          throw new PodConflictException("the pod already has a volume named \"" + Names.CREDENTIALS_VOLUME
              + "\" that is not the workload identity volume; rename it, as the webhook needs that name");
        }
        volumes.set(i, wanted);
        return;
      }
    }
    volumes.add(wanted);
  }

  /**
   * The mode applies to the two configuration files, which hold no secret: 0444 lets any user read them. The token
   * file is the kubelet's business: when every container runs as the same runAsUser it makes that user the owner
   * and sets 0600; with an fsGroup it sets 0600 and then gives the group read access; otherwise it applies this
   * default mode. So non-root containers read the token with or without fsGroup, and the webhook adds none.
   */
  private Volume volume(WorkloadIdentity identity) {
    return new VolumeBuilder()
        .withName(Names.CREDENTIALS_VOLUME)
        .withNewProjected()
        .withDefaultMode(settings.tokenVolumeDefaultMode())
        .addNewSource()
        .withNewServiceAccountToken()
        .withAudience(identity.audience())
        .withExpirationSeconds(identity.tokenExpirationSeconds())
        .withPath(Names.TOKEN_FILE)
        .endServiceAccountToken()
        .endSource()
        .addNewSource()
        .withNewDownwardAPI()
        .addNewItem()
        .withPath(Names.CREDENTIALS_FILE)
        .withNewFieldRef("v1", Names.annotationField(names.externalCredentialsJson()))
        .endItem()
        .addNewItem()
        .withPath(Names.BOTO_FILE)
        .withNewFieldRef("v1", Names.annotationField(names.botoConfig()))
        .endItem()
        .endDownwardAPI()
        .endSource()
        .endProjected()
        .build();
  }

  /** A volume of our name is ours when it projects the token and our configuration: a pass made it. */
  public static boolean isOurs(Volume volume, Names names) {
    if (!Names.CREDENTIALS_VOLUME.equals(volume.getName()) || volume.getProjected() == null
        || volume.getProjected().getSources() == null) {
      return false;
    }
    boolean token = false;
    boolean config = false;
    for (VolumeProjection source : volume.getProjected().getSources()) {
      if (source == null) {
        continue;
      }
      if (source.getServiceAccountToken() != null) {
        token |= Names.TOKEN_FILE.equals(source.getServiceAccountToken().getPath());
      }
      if (source.getDownwardAPI() != null && source.getDownwardAPI().getItems() != null) {
        config |= source.getDownwardAPI().getItems().stream()
            .anyMatch(item -> item != null && item.getFieldRef() != null && Objects.equals(
                Names.annotationField(names.externalCredentialsJson()), item.getFieldRef().getFieldPath()));
      }
    }
    return token && config;
  }

  public void checkMountPathIsFree(Container container) throws PodConflictException {
    for (VolumeMount mount : mounts(container)) {
      if (mount != null && Names.MOUNT_PATH.equals(mount.getMountPath())
          && !Names.CREDENTIALS_VOLUME.equals(mount.getName())) {
        throw new PodConflictException("container \"" + container.getName() + "\" already mounts volume \""
            + mount.getName() + "\" at " + Names.MOUNT_PATH + ", where the webhook mounts the Google "
            + "credentials; move that mount, or list the container in the pod annotation " + names.skipContainers());
      }
    }
  }

  /** Mounts {@code volume} read-only at {@link Names#MOUNT_PATH}, unless something is mounted there already. */
  public static void mount(Container container, String volume, InjectionReceipt.Builder receipt) {
    List<VolumeMount> mounts = mounts(container);
    boolean mounted = mounts.stream().anyMatch(m -> m != null && Names.MOUNT_PATH.equals(m.getMountPath()));
    if (!mounted) {
      mounts.add(new VolumeMountBuilder()
          .withName(volume)
          .withMountPath(Names.MOUNT_PATH)
          .withReadOnly(true)
          .build());
      receipt.mount(container, volume);
    }
  }

  private static List<VolumeMount> mounts(Container container) {
    if (container.getVolumeMounts() == null) {
      container.setVolumeMounts(new ArrayList<>());
    }
    return container.getVolumeMounts();
  }

  /**
   * Appends the variables the container does not set itself, after the user's, so their $(VAR) references keep
   * resolving as before. envFrom is not looked into (its ConfigMaps are not part of the pod); a variable in env wins
   * over envFrom in Kubernetes.
   */
  public static void appendMissing(Container container, Map<String, String> wanted, InjectionReceipt.Builder receipt) {
    if (container.getEnv() == null) {
      container.setEnv(new ArrayList<>());
    }
    List<EnvVar> env = container.getEnv();
    Set<String> present = envNames(container);
    wanted.forEach((name, value) -> {
      if (present.add(name)) {
        env.add(new EnvVar(name, value, null));
        receipt.env(container, name);
      }
    });
  }

  public static Set<String> envNames(Container container) {
    Set<String> names = new HashSet<>();
    if (container.getEnv() != null) {
      container.getEnv().forEach(var -> names.add(var == null ? null : var.getName()));
    }
    return names;
  }
}
