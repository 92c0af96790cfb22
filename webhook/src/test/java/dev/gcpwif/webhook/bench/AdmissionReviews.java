package dev.gcpwif.webhook.bench;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Realistic pod CREATE reviews as the API server sends them (the replicaset-controller fixture: managedFields,
 * owner references, projected token volume, resources, security context) with the container repeated N times.
 */
final class AdmissionReviews {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private AdmissionReviews() {}

  /** The reviewed pod's ServiceAccount, opted in with impersonation: every admission is a full direct-mode mutation. */
  static ServiceAccount optedInServiceAccount() {
    return new ServiceAccountBuilder().withNewMetadata().withNamespace("payments").withName("billing")
        .withAnnotations(Map.of(
            "cloud.google.com/workload-identity-provider",
            "projects/123456789/locations/global/workloadIdentityPools/onprem/providers/cluster-a",
            "cloud.google.com/service-account-email", "billing@payments-prod.iam.gserviceaccount.com"))
        .endMetadata().build();
  }

  /** The fixture with its one container holding {@code variables} env variables (a large pod of another shape). */
  static byte[] podCreateWithEnv(int variables) throws IOException {
    AdmissionReview review = SERIALIZATION.unmarshal(new String(podCreate(1), StandardCharsets.UTF_8),
        AdmissionReview.class);
    Pod pod = (Pod) review.getRequest().getObject();
    List<io.fabric8.kubernetes.api.model.EnvVar> env = new ArrayList<>();
    for (int i = 0; i < variables; i++) {
      env.add(new io.fabric8.kubernetes.api.model.EnvVar("VAR_" + i, "value-" + i, null));
    }
    pod.getSpec().getContainers().get(0).setEnv(env);
    return SERIALIZATION.asJson(review).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] podCreate(int containers) throws IOException {
    String fixture;
    try (InputStream in = AdmissionReviews.class.getResourceAsStream("/admission/pod-create-from-replicaset.json")) {
      fixture = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    AdmissionReview review = SERIALIZATION.unmarshal(fixture, AdmissionReview.class);
    Pod pod = SERIALIZATION.convertValue(review.getRequest().getObject(), Pod.class);
    Container template = pod.getSpec().getContainers().get(0);
    List<Container> copies = new ArrayList<>();
    for (int i = 0; i < containers; i++) {
      copies.add(new ContainerBuilder(template).withName(i == 0 ? template.getName() : template.getName() + "-" + i)
          .build());
    }
    pod.getSpec().setContainers(copies);
    review.getRequest().setObject(pod);
    return SERIALIZATION.asJson(review).getBytes(StandardCharsets.UTF_8);
  }
}
