package dev.gcpwif.webhook.mutation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The take-over of a pod the Go webhook mutated, where a table case cannot say it: a pod whose user also mounts the
 * Go token volume (the metadata-mode table property forbids any app container a token mount, the user's included).
 * The table cases (go-webhook-*, ours-then-go-webhook-*) pin the rest.
 */
class GoWebhookInjectionTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final ServiceAccount SERVICE_ACCOUNT = new ServiceAccountBuilder().withNewMetadata().withName("app")
      .withNamespace("team-a")
      .addToAnnotations("cloud.google.com/workload-identity-provider",
          "projects/123456789012/locations/global/workloadIdentityPools/on-prem/providers/cluster-a")
      .addToAnnotations("cloud.google.com/service-account-email", "storage-reader@my-project.iam.gserviceaccount.com")
      .endMetadata().build();

  @Test
  void aGoVolumeTheUserStillMountsElsewhereStaysWhileTheGoMountsAndVariablesGo() throws Exception {
    Pod pod = pod("token-volume-mounted-elsewhere.yaml");

    MutationResult result = new PodMutator(WebhookSettings.defaults()).mutateWithWarnings(pod, SERVICE_ACCOUNT);

    Container app = result.pod().getSpec().getContainers().get(0);
    assertThat(result.pod().getSpec().getVolumes()).extracting(Volume::getName)
        .containsExactly(GoWebhookInjection.TOKEN_VOLUME, Names.CREDENTIALS_VOLUME);
    assertThat(app.getVolumeMounts()).extracting(VolumeMount::getName, VolumeMount::getMountPath).containsExactly(
        org.assertj.core.groups.Tuple.tuple(GoWebhookInjection.TOKEN_VOLUME, "/etc/go-token"),
        org.assertj.core.groups.Tuple.tuple(Names.CREDENTIALS_VOLUME, Names.MOUNT_PATH));
    assertThat(app.getEnv()).extracting(EnvVar::getName).doesNotContain("CLOUDSDK_CONFIG");
    assertThat(app.getEnv()).filteredOn(e -> e.getName().equals(Names.GOOGLE_APPLICATION_CREDENTIALS))
        .extracting(EnvVar::getValue).containsExactly(Names.CREDENTIALS_PATH);
    assertThat(result.warnings()).containsExactly("the pod carries what the Go gcp-workload-identity-federation-webhook"
        + " injects (volumes external-credential-config, gcloud-config and their mounts; variables"
        + " GOOGLE_APPLICATION_CREDENTIALS, CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE, CLOUDSDK_CONFIG,"
        + " CLOUDSDK_CORE_PROJECT): removed, and this webhook's injection rendered in its place; if the Go webhook is"
        + " still installed, delete its MutatingWebhookConfiguration");
  }

  /** Evidence is the Go token volume or setup container of the Go shape: variables of the Go values alone are not. */
  @Test
  void goValuesWithoutAGoVolumeOrSetupContainerAreTheUsers() throws Exception {
    Pod pod = pod("token-volume-mounted-elsewhere.yaml");
    pod.getSpec().getVolumes().removeIf(v -> v.getName().equals(GoWebhookInjection.TOKEN_VOLUME));
    pod.getSpec().getContainers().forEach(c -> c.getVolumeMounts()
        .removeIf(m -> m.getName().equals(GoWebhookInjection.TOKEN_VOLUME)));

    MutationResult result = new PodMutator(WebhookSettings.defaults()).mutateWithWarnings(pod, SERVICE_ACCOUNT);

    Container app = result.pod().getSpec().getContainers().get(0);
    assertThat(app.getEnv()).extracting(EnvVar::getName).contains("CLOUDSDK_CONFIG");
    assertThat(result.pod().getSpec().getVolumes()).extracting(Volume::getName)
        .contains(GoWebhookInjection.CONFIG_VOLUME, GoWebhookInjection.GCLOUD_VOLUME);
    assertThat(result.warnings()).noneMatch(w -> w.contains("Go gcp-workload-identity-federation-webhook"));
  }

  private static Pod pod(String file) throws IOException {
    try (InputStream in = GoWebhookInjectionTest.class.getResourceAsStream("/go-webhook-injection/" + file)) {
      return SERIALIZATION.unmarshal(new String(in.readAllBytes(), StandardCharsets.UTF_8), Pod.class);
    }
  }
}
