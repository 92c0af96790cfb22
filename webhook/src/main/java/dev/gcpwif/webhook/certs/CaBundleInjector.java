package dev.gcpwif.webhook.certs;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps {@code webhooks[*].clientConfig.caBundle} of one MutatingWebhookConfiguration equal to the trusted CAs, with a
 * JSON patch that touches nothing else and is sent only when a value differs.
 */
final class CaBundleInjector {

  private static final String GROUP = "admissionregistration.k8s.io";
  private static final String RESOURCE = "mutatingwebhookconfigurations";

  private final KubernetesClient client;
  private final String configurationName;
  private final KubernetesSerialization serialization = new KubernetesSerialization();

  CaBundleInjector(KubernetesClient client, String configurationName) {
    this.client = client;
    this.configurationName = configurationName;
  }

  /** @return how many webhooks were patched (0 when all were already up to date) */
  int inject(String caBundleBase64) {
    MutatingWebhookConfiguration configuration = read();
    List<Map<String, Object>> operations = new ArrayList<>();
    List<MutatingWebhook> webhooks = configuration.getWebhooks();
    for (int i = 0; i < webhooks.size(); i++) {
      MutatingWebhook webhook = webhooks.get(i);
      String current = webhook.getClientConfig() == null ? null : webhook.getClientConfig().getCaBundle();
      if (!Objects.equals(current, caBundleBase64)) {
        // The test pins the index to the webhook read above, should the list change before the patch lands.
        operations.add(Map.of("op", "test", "path", "/webhooks/" + i + "/name", "value", webhook.getName()));
        operations.add(Map.of("op", "add", "path", "/webhooks/" + i + "/clientConfig/caBundle",
            "value", caBundleBase64));
      }
    }
    if (operations.isEmpty()) {
      return 0;
    }
    try {
      client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(configurationName)
          .patch(PatchContext.of(PatchType.JSON), serialization.asJson(operations));
    } catch (KubernetesClientException e) {
      throw ApiErrors.translate(e, "patch the caBundle of " + describe(), "patch", GROUP, RESOURCE,
          configurationName, null);
    }
    return operations.size() / 2;
  }

  private MutatingWebhookConfiguration read() {
    MutatingWebhookConfiguration configuration;
    try {
      configuration = client.admissionRegistration().v1().mutatingWebhookConfigurations()
          .withName(configurationName).get();
    } catch (KubernetesClientException e) {
      throw ApiErrors.translate(e, "read " + describe(), "get", GROUP, RESOURCE, configurationName, null);
    }
    if (configuration == null) {
      throw new CertificateReconcileException(describe() + " does not exist: install it (deploy/base has it) or "
          + "point --webhook-config-name at the configuration that calls this webhook");
    }
    return configuration;
  }

  private String describe() {
    return "MutatingWebhookConfiguration \"" + configurationName + "\"";
  }
}
