package dev.gcpwif.webhook.e2e;

import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.WebhookSettings;
import dev.gcpwif.webhook.mutation.metadata.MetadataModeOptions;
import dev.gcpwif.webhook.mutation.metadata.MetadataSidecarInjector;
import dev.gcpwif.webhook.mutation.metadata.SidecarSettings;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Step 1 of the end-to-end test: the webhook's mutation code renders the pod of a Deployment, as the API server would
 * create it from the template. Metadata mode is applied here the way the webhook will once the mutator dispatches on
 * the injection mode itself.
 */
final class E2eRenderer {
  static final Path RESOURCES = Path.of("src/test/resources/e2e");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private E2eRenderer() {}

  static ServiceAccount serviceAccount() throws Exception {
    return SERIALIZATION.unmarshal(Files.readString(RESOURCES.resolve("service-account.yaml")), ServiceAccount.class);
  }

  static Pod render(String deploymentFile, SidecarSettings sidecar) throws Exception {
    Deployment deployment =
        SERIALIZATION.unmarshal(Files.readString(RESOURCES.resolve(deploymentFile)), Deployment.class);
    ServiceAccount serviceAccount = serviceAccount();
    Pod pod = new PodBuilder()
        .withMetadata(new ObjectMetaBuilder(deployment.getSpec().getTemplate().getMetadata())
            .withName(deployment.getMetadata().getName() + "-7d4b9c-x2x9q")
            .withNamespace(deployment.getMetadata().getNamespace())
            .build())
        .withSpec(deployment.getSpec().getTemplate().getSpec())
        .build();
    WebhookSettings settings = WebhookSettings.defaults();
    Pod fileMode = new PodMutator(settings).mutate(pod, serviceAccount);
    if (!"metadata".equals(injectionMode(pod, serviceAccount, settings.annotationPrefix()))) {
      return fileMode;
    }
    MetadataModeOptions options =
        MetadataModeOptions.fromAnnotations(fileMode, serviceAccount, settings.annotationPrefix(), null);
    return new MetadataSidecarInjector(sidecar, settings.annotationPrefix())
        .inject(fileMode, MetadataSidecarInjector.injectedContainerNames(fileMode), options);
  }

  private static String injectionMode(Pod pod, ServiceAccount serviceAccount, String prefix) {
    String key = prefix + "/injection-mode";
    Map<String, String> podAnnotations = pod.getMetadata().getAnnotations();
    if (podAnnotations != null && podAnnotations.containsKey(key)) {
      return podAnnotations.get(key);
    }
    Map<String, String> saAnnotations = serviceAccount.getMetadata().getAnnotations();
    return saAnnotations == null ? "direct" : saAnnotations.getOrDefault(key, "direct");
  }
}
