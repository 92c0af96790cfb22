package dev.gcpwif.webhook.mutation;

import static dev.gcpwif.webhook.mutation.core.PodSpecs.allContainers;
import static dev.gcpwif.webhook.mutation.core.PodSpecs.orEmpty;

import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.VolumeProjectionBuilder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Compatibility with pods the Go gcp-workload-identity-federation-webhook mutated: both webhooks installed at once
 * during a migration (in either order, with this one reinvoked after the Go one), or a manifest copied from a pod it
 * mutated. Such a pod mounts the Go token volume where this webhook mounts its own, and would be denied. Instead,
 * what the Go webhook adds is recognized exactly as its code writes it, in the direct and the gcloud mode of its
 * releases, and removed, so that the pass renders this webhook's injection in its place:
 *
 * <ul>
 *   <li>volumes {@code gcp-iam-token} (a projected volume of one service account token, path {@code token}),
 *       {@code external-credential-config} (a downward API volume of {@code federation.json} from the pod annotation
 *       {@code <prefix>/external-credentials-json}) and {@code gcloud-config} (an empty emptyDir);</li>
 *   <li>their mounts, at {@code /var/run/secrets/sts.googleapis.com/serviceaccount},
 *       {@code /var/run/secrets/workload-identity} (older releases: {@code /var/run/secrets/gcloud/config}) and
 *       {@code /var/run/secrets/gcloud/config};</li>
 *   <li>the variables that point at them ({@code GOOGLE_APPLICATION_CREDENTIALS},
 *       {@code CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE}, {@code CLOUDSDK_CONFIG}, by value), and
 *       {@code CLOUDSDK_CORE_PROJECT} and {@code CLOUDSDK_COMPUTE_REGION} when they hold the values this pass
 *       renders again;</li>
 *   <li>the gcloud mode's {@code gcloud-setup} init container, recognized by the script it runs.</li>
 * </ul>
 *
 * <p>Only a Go token volume or setup container of exactly that shape counts as evidence; without it nothing is
 * touched. A user's volume that merely has one of those names, any other shape, stays (and a conflict on the mount
 * path still denies the pod). A volume of the Go webhook's that a container still mounts elsewhere stays too. The
 * pod annotations the Go webhook writes are the keys this webhook rewrites on every pass.
 */
final class GoWebhookInjection {
  static final String TOKEN_VOLUME = "gcp-iam-token";
  static final String CONFIG_VOLUME = "external-credential-config";
  static final String GCLOUD_VOLUME = "gcloud-config";
  static final String SETUP_CONTAINER = "gcloud-setup";
  static final String TOKEN_MOUNT_PATH = "/var/run/secrets/sts.googleapis.com/serviceaccount";
  static final String CONFIG_MOUNT_PATH = "/var/run/secrets/workload-identity";
  static final String GCLOUD_MOUNT_PATH = "/var/run/secrets/gcloud/config";
  private static final String TOKEN_FILE = "token";
  private static final String CONFIG_FILE = "federation.json";
  private static final String CLOUDSDK_CONFIG = "CLOUDSDK_CONFIG";
  /** The first line of the setup container's script, and the token file it reads. */
  private static final String SETUP_SCRIPT = "gcloud iam workload-identity-pools create-cred-config";
  private static final String SETUP_TOKEN_ARGUMENT =
      "--credential-source-file=" + TOKEN_MOUNT_PATH + "/" + TOKEN_FILE;

  private final WebhookSettings settings;
  private final Names names;

  GoWebhookInjection(WebhookSettings settings) {
    this.settings = settings;
    this.names = new Names(settings.annotationPrefix());
  }

  /**
   * Modifies {@code spec} in place (the mutator's copy).
   *
   * @return the admission warning saying what was taken over, or empty when the pod shows no Go injection
   */
  Optional<String> removeFrom(PodSpec spec, WorkloadIdentity identity) {
    if (spec == null) {
      return Optional.empty();
    }
    List<Volume> volumes = orEmpty(spec.getVolumes());
    Set<String> goVolumes = new LinkedHashSet<>();
    volumes.stream().filter(Objects::nonNull).forEach(v -> {
      if (isGoTokenVolume(v) || isGoConfigVolume(v) || isGoGcloudVolume(v)) {
        goVolumes.add(v.getName());
      }
    });
    boolean setup = orEmpty(spec.getInitContainers()).stream().anyMatch(GoWebhookInjection::isGoSetupContainer);
    if (!goVolumes.contains(TOKEN_VOLUME) && !setup) {
      return Optional.empty();
    }
    List<String> removed = new ArrayList<>();
    if (setup) {
      List<Container> kept = new ArrayList<>(spec.getInitContainers());
      kept.removeIf(GoWebhookInjection::isGoSetupContainer);
      spec.setInitContainers(kept);
      removed.add("init container " + SETUP_CONTAINER);
    }
    Set<String> variables = new LinkedHashSet<>();
    allContainers(spec).forEach(container -> {
      if (container.getVolumeMounts() != null) {
        container.getVolumeMounts().removeIf(m -> isGoMount(m, goVolumes));
      }
      if (container.getEnv() != null) {
        container.getEnv().removeIf(e -> {
          boolean ours = isGoVariable(e, identity);
          if (ours) {
            variables.add(e.getName());
          }
          return ours;
        });
      }
    });
    // A volume the user still mounts elsewhere is the user's now: removing it would leave that mount dangling.
    allContainers(spec).flatMap(c -> orEmpty(c.getVolumeMounts()).stream())
        .filter(Objects::nonNull).map(VolumeMount::getName).forEach(goVolumes::remove);
    if (!goVolumes.isEmpty()) {
      List<Volume> kept = new ArrayList<>(volumes);
      kept.removeIf(v -> v != null && goVolumes.contains(v.getName()));
      spec.setVolumes(kept);
      removed.add(0, "volume" + (goVolumes.size() > 1 ? "s " : " ") + String.join(", ", goVolumes)
          + " and " + (goVolumes.size() > 1 ? "their" : "its") + " mounts");
    }
    if (!variables.isEmpty()) {
      removed.add("variable" + (variables.size() > 1 ? "s " : " ") + String.join(", ", variables));
    }
    return Optional.of("the pod carries what the Go gcp-workload-identity-federation-webhook injects ("
        + String.join("; ", removed) + "): removed, and this webhook's injection rendered in its place; if the Go"
        + " webhook is still installed, delete its MutatingWebhookConfiguration");
  }

  /** A projected volume of exactly one service account token at path {@code token}, as the Go webhook renders it. */
  private static boolean isGoTokenVolume(Volume volume) {
    if (!TOKEN_VOLUME.equals(volume.getName()) || volume.getProjected() == null
        || !only(volume, new VolumeBuilder().withName(TOKEN_VOLUME).withProjected(volume.getProjected()).build())) {
      return false;
    }
    List<VolumeProjection> sources = orEmpty(volume.getProjected().getSources());
    if (sources.size() != 1 || sources.get(0) == null) {
      return false;
    }
    VolumeProjection source = sources.get(0);
    ServiceAccountTokenProjection token = source.getServiceAccountToken();
    return token != null && TOKEN_FILE.equals(token.getPath())
        && new VolumeProjectionBuilder().withServiceAccountToken(token).build().equals(source);
  }

  /** A downward API volume of one file, {@code federation.json}, from the credential configuration annotation. */
  private boolean isGoConfigVolume(Volume volume) {
    if (!CONFIG_VOLUME.equals(volume.getName()) || volume.getDownwardAPI() == null
        || !only(volume, new VolumeBuilder().withName(CONFIG_VOLUME).withDownwardAPI(volume.getDownwardAPI()).build())) {
      return false;
    }
    List<DownwardAPIVolumeFile> items = orEmpty(volume.getDownwardAPI().getItems());
    return items.size() == 1 && items.get(0) != null && CONFIG_FILE.equals(items.get(0).getPath())
        && items.get(0).getFieldRef() != null
        && Names.annotationField(names.externalCredentialsJson()).equals(items.get(0).getFieldRef().getFieldPath());
  }

  private static boolean isGoGcloudVolume(Volume volume) {
    return GCLOUD_VOLUME.equals(volume.getName()) && new EmptyDirVolumeSource().equals(volume.getEmptyDir())
        && only(volume, new VolumeBuilder().withName(GCLOUD_VOLUME).withEmptyDir(new EmptyDirVolumeSource()).build());
  }

  /** Whether {@code volume} has nothing but what {@code shape} has (no second volume source, no extra field). */
  private static boolean only(Volume volume, Volume shape) {
    return shape.equals(volume);
  }

  /** The setup container: its name, {@code sh -c} and the script that writes the credential configuration. */
  static boolean isGoSetupContainer(Container container) {
    if (container == null || !SETUP_CONTAINER.equals(container.getName())) {
      return false;
    }
    List<String> command = orEmpty(container.getCommand());
    return command.size() == 3 && "sh".equals(command.get(0)) && "-c".equals(command.get(1))
        && command.get(2) != null && command.get(2).startsWith(SETUP_SCRIPT)
        && command.get(2).contains(SETUP_TOKEN_ARGUMENT);
  }

  /** A mount of one of the Go volumes found, at the path the Go webhook mounts it. */
  private static boolean isGoMount(VolumeMount mount, Set<String> goVolumes) {
    if (mount == null || mount.getName() == null || !goVolumes.contains(mount.getName())) {
      return false;
    }
    return switch (mount.getName()) {
      case TOKEN_VOLUME -> TOKEN_MOUNT_PATH.equals(mount.getMountPath());
      case CONFIG_VOLUME -> CONFIG_MOUNT_PATH.equals(mount.getMountPath())
          || GCLOUD_MOUNT_PATH.equals(mount.getMountPath());
      case GCLOUD_VOLUME -> GCLOUD_MOUNT_PATH.equals(mount.getMountPath());
      default -> false;
    };
  }

  /**
   * A variable the Go webhook sets, by name and value. The project and region are removed only when they hold what
   * this pass renders again (otherwise they are the user's, or at least what the pod ran with, and stay).
   */
  private boolean isGoVariable(EnvVar var, WorkloadIdentity identity) {
    if (var == null || var.getName() == null || var.getValue() == null || var.getValueFrom() != null) {
      return false;
    }
    String value = var.getValue();
    return switch (var.getName()) {
      case Names.GOOGLE_APPLICATION_CREDENTIALS -> value.equals(CONFIG_MOUNT_PATH + "/" + CONFIG_FILE)
          || value.equals(GCLOUD_MOUNT_PATH + "/" + CONFIG_FILE);
      case Names.CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE -> value.equals(CONFIG_MOUNT_PATH + "/" + CONFIG_FILE);
      case CLOUDSDK_CONFIG -> value.equals(GCLOUD_MOUNT_PATH);
      case Names.CLOUDSDK_CORE_PROJECT -> identity.projectId().filter(value::equals).isPresent();
      case Names.CLOUDSDK_COMPUTE_REGION -> value.equals(settings.defaultRegion());
      default -> false;
    };
  }
}
