package dev.gcpwif.webhook.testing;

import dev.gcpwif.webhook.admission.Mutation;
import dev.gcpwif.webhook.mutation.MutationResult;
import dev.gcpwif.webhook.mutation.core.InjectionMode;
import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentity;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Stand-ins for the real pod mutation, so that the server's tests hold for any correct mutator: they exercise what
 * the server does with "a changed pod", "an unchanged pod" and "an invalid annotation".
 */
public final class TestMutations {
  public static final String PROVIDER = "cloud.google.com/workload-identity-provider";
  public static final String MARKER = "test.gcpwif.dev/injected-for";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private TestMutations() {}

  /** Marks the pod and sets one env var on every container when the SA carries the provider annotation. */
  public static Mutation annotateWhenOptedIn() {
    return (pod, serviceAccount) -> {
      Pod copy = SERIALIZATION.clone(pod);
      if (serviceAccount == null || serviceAccount.getMetadata().getAnnotations() == null) {
        return MutationResult.of(copy);
      }
      String provider = serviceAccount.getMetadata().getAnnotations().get(PROVIDER);
      if (provider == null) {
        return MutationResult.of(copy);
      }
      if (!provider.startsWith("projects/")) {
        throw new InvalidAnnotationException(PROVIDER, provider,
            "projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER");
      }
      // The identity a real mutator would resolve for such a ServiceAccount: direct mode, the default.
      WorkloadIdentity identity = new WorkloadIdentity(provider, Optional.empty(), "sts.googleapis.com", 86400,
          InjectionMode.DIRECT, Set.of(), Optional.empty());
      return new MutationResult(new PodBuilder(copy).editOrNewMetadata()
          .addToAnnotations(MARKER, serviceAccount.getMetadata().getNamespace() + "/"
              + serviceAccount.getMetadata().getName())
          .endMetadata().editSpec()
          .withContainers(copy.getSpec().getContainers().stream()
              .map(c -> new ContainerBuilder(c).addNewEnv().withName("GOOGLE_APPLICATION_CREDENTIALS")
                  .withValue("/var/run/secrets/test/config.json").endEnv().build())
              .toList())
          .endSpec().build(), List.of(), Optional.of(identity), Optional.empty());
    };
  }

  public static ServiceAccount serviceAccount(String namespace, String name, Map<String, String> annotations) {
    return new ServiceAccountBuilder().withNewMetadata().withNamespace(namespace).withName(name)
        .withAnnotations(annotations).endMetadata().build();
  }

  public static ServiceAccount optedIn(String namespace, String name) {
    return serviceAccount(namespace, name,
        Map.of(PROVIDER, "projects/123456789/locations/global/workloadIdentityPools/onprem/providers/cluster-a"));
  }
}
