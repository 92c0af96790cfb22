package dev.gcpwif.webhook.mutation.file;

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
 * File-based credentials: one projected volume with the token, the credential configuration and the boto file
 * (both written into pod annotations and projected through the downward API, so no other object is created), a
 * read-only mount in every injected container, and the environment that points each SDK at the files.
 */
public final class FileCredentialInjector {
  private final WebhookSettings settings;
  private final Names keys;

  public FileCredentialInjector(WebhookSettings settings) {
    this.settings = settings;
    this.keys = new Names(settings.annotationPrefix());
  }

  /**
   * @param containers the containers and init containers of {@code pod} that are not skipped (never empty)
   */
  public void inject(Pod pod, List<Container> containers, WorkloadIdentity identity)
      throws InvalidAnnotationException {
    for (Container container : containers) {
      checkMountPathIsFree(container);
    }
    writeAnnotations(pod, identity);
    putVolume(pod, identity);
    for (Container container : containers) {
      mount(container);
      addMissingEnv(container, identity);
    }
  }

  private void writeAnnotations(Pod pod, WorkloadIdentity identity) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    if (annotations == null) {
      annotations = new LinkedHashMap<>();
      pod.getMetadata().setAnnotations(annotations);
    }
    // Re-rendered on every pass: the files must describe the ServiceAccount as it is now.
    String configFile = Names.CREDENTIALS_PATH;
    annotations.put(keys.externalCredentialsJson(), ExternalAccountConfig.render(
        identity.provider(), identity.serviceAccountEmail(), Names.TOKEN_PATH));
    annotations.put(keys.botoConfig(), BotoConfig.render(configFile, identity.projectId()));
    // The identity used, under the ServiceAccount's keys, as the Go webhook writes it: scripts and dashboards read
    // it from the pod. Whatever a copied manifest carried there is replaced, and an email no longer used removed.
    annotations.put(keys.provider(), identity.provider());
    if (identity.serviceAccountEmail().isPresent()) {
      annotations.put(keys.serviceAccountEmail(), identity.serviceAccountEmail().get());
    } else {
      annotations.remove(keys.serviceAccountEmail());
    }
    annotations.put(keys.audience(), identity.audience());
    // Also the pod's own override key: a later pass reads it back and gets the same value (the Go webhook does so too).
    annotations.put(keys.tokenExpiration(), Long.toString(identity.tokenExpirationSeconds()));
  }

  private void putVolume(Pod pod, WorkloadIdentity identity) throws PodConflictException {
    List<Volume> volumes = pod.getSpec().getVolumes();
    if (volumes == null) {
      volumes = new ArrayList<>();
      pod.getSpec().setVolumes(volumes);
    }
    Volume wanted = volume(identity);
    for (int i = 0; i < volumes.size(); i++) {
      Volume existing = volumes.get(i);
      if (Names.CREDENTIALS_VOLUME.equals(existing.getName())) {
        if (!isOurs(existing)) {
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
        .withNewFieldRef("v1", annotationField(keys.externalCredentialsJson()))
        .endItem()
        .addNewItem()
        .withPath(Names.BOTO_FILE)
        .withNewFieldRef("v1", annotationField(keys.botoConfig()))
        .endItem()
        .endDownwardAPI()
        .endSource()
        .endProjected()
        .build();
  }

  private static String annotationField(String key) {
    return "metadata.annotations['" + key + "']";
  }

  /** A volume of our name is ours when it projects the token and our configuration: a previous pass made it. */
  private boolean isOurs(Volume volume) {
    if (volume.getProjected() == null || volume.getProjected().getSources() == null) {
      return false;
    }
    boolean token = false;
    boolean config = false;
    for (VolumeProjection source : volume.getProjected().getSources()) {
      if (source.getServiceAccountToken() != null) {
        token |= Names.TOKEN_FILE.equals(source.getServiceAccountToken().getPath());
      }
      if (source.getDownwardAPI() != null && source.getDownwardAPI().getItems() != null) {
        config |= source.getDownwardAPI().getItems().stream()
            .anyMatch(item -> item.getFieldRef() != null && Objects.equals(
                annotationField(keys.externalCredentialsJson()), item.getFieldRef().getFieldPath()));
      }
    }
    return token && config;
  }

  private void checkMountPathIsFree(Container container) throws PodConflictException {
    for (VolumeMount mount : mounts(container)) {
      if (Names.MOUNT_PATH.equals(mount.getMountPath())
          && !Names.CREDENTIALS_VOLUME.equals(mount.getName())) {
        throw new PodConflictException("container \"" + container.getName() + "\" already mounts volume \""
            + mount.getName() + "\" at " + Names.MOUNT_PATH + ", where the webhook mounts the Google "
            + "credentials; move that mount, or list the container in the pod annotation " + keys.skipContainers());
      }
    }
  }

  private static void mount(Container container) {
    List<VolumeMount> mounts = mounts(container);
    boolean mounted = mounts.stream().anyMatch(m -> Names.MOUNT_PATH.equals(m.getMountPath()));
    if (!mounted) {
      mounts.add(new VolumeMountBuilder()
          .withName(Names.CREDENTIALS_VOLUME)
          .withMountPath(Names.MOUNT_PATH)
          .withReadOnly(true)
          .build());
    }
  }

  private static List<VolumeMount> mounts(Container container) {
    if (container.getVolumeMounts() == null) {
      container.setVolumeMounts(new ArrayList<>());
    }
    return container.getVolumeMounts();
  }

  private void addMissingEnv(Container container, WorkloadIdentity identity) {
    if (container.getEnv() == null) {
      container.setEnv(new ArrayList<>());
    }
    List<EnvVar> env = container.getEnv();
    Map<String, String> wanted = new InjectedEnvironment(settings).forContainer(identity, names(env));
    // Appended after the user's variables, so their $(VAR) references keep resolving as before. envFrom is not
    // looked into (its ConfigMaps are not part of the pod); a variable in env wins over envFrom in Kubernetes.
    wanted.forEach((name, value) -> {
      if (!names(env).contains(name)) {
        env.add(new EnvVar(name, value, null));
      }
    });
  }

  private static Set<String> names(List<EnvVar> env) {
    Set<String> names = new HashSet<>();
    env.forEach(var -> names.add(var.getName()));
    return names;
  }
}
