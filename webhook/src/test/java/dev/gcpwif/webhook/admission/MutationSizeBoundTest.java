package dev.gcpwif.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.metrics.AdmissionOutcome;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.testing.TestMutations;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequestBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MutationSizeBoundTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final ServiceAccount OPTED_IN = new ServiceAccountBuilder().withNewMetadata().withNamespace("big")
      .withName("wide").withAnnotations(Map.of(TestMutations.PROVIDER,
          "projects/123456789/locations/global/workloadIdentityPools/onprem/providers/cluster-a"))
      .endMetadata().build();

  /** The estimate must never overstate what injection adds, or a pod that could be stored would be refused. */
  @ParameterizedTest
  @ValueSource(strings = {"direct", "metadata"})
  void injectionAddsAtLeastTheBoundToEachMinimalContainer(String mode) throws Exception {
    PodMutator mutator = new PodMutator(WebhookSettings.defaults());
    long one = growth(mutator, pod(1, mode));
    long hundredAndOne = growth(mutator, pod(101, mode));

    long perContainer = (hundredAndOne - one) / 100;
    assertThat(perContainer).as("JSON bytes added per container in %s mode", mode)
        .isGreaterThanOrEqualTo(MutationSizeBound.MIN_ADDED_BYTES_PER_CONTAINER)
        // and not so far above it that pods far past what can be stored still get mutated
        .isLessThan(2L * MutationSizeBound.MIN_ADDED_BYTES_PER_CONTAINER);
  }

  @Test
  void aPodWithMoreContainersThanCanBeInjectedAndStoredIsDeniedNamingTheCountAndTheLimit() throws Exception {
    AdmissionHandler handler = handler();
    int count = MutationSizeBound.MAX_INJECTED_CONTAINERS + 1;

    AdmissionResult result = handler.handle(review(pod(count, "direct")));

    assertThat(result.outcome()).isEqualTo(AdmissionOutcome.DENIED);
    assertThat(result.review().getResponse().getAllowed()).isFalse();
    assertThat(result.review().getResponse().getStatus().getCode()).isEqualTo(403);
    assertThat(result.review().getResponse().getStatus().getMessage())
        .contains(String.format("%,d containers", count))
        .contains(String.format("At most %,d containers", MutationSizeBound.MAX_INJECTED_CONTAINERS))
        .contains("3 MiB").contains("cloud.google.com/skip-containers");
  }

  @Test
  void aPodAtTheLimitIsMutated() throws Exception {
    AdmissionResult result = handler().handle(review(pod(MutationSizeBound.MAX_INJECTED_CONTAINERS, "direct")));

    assertThat(result.outcome()).isEqualTo(AdmissionOutcome.MUTATED);
  }

  @Test
  void skippedContainersDoNotCount() throws Exception {
    Pod pod = pod(MutationSizeBound.MAX_INJECTED_CONTAINERS + 2, "direct");
    pod.getMetadata().getAnnotations().put("cloud.google.com/skip-containers", "c-0, c-1");

    assertThat(handler().handle(review(pod)).outcome()).isEqualTo(AdmissionOutcome.MUTATED);
  }

  @Test
  void containersSkippedWithSemicolonsAndSpacesDoNotCountEither() {
    Pod pod = pod(MutationSizeBound.MAX_INJECTED_CONTAINERS + 2, "direct");
    pod.getMetadata().getAnnotations().put("cloud.google.com/skip-containers", " c-0 ; c-1 ");

    assertThat(new MutationSizeBound("cloud.google.com").problem(pod, OPTED_IN)).isNull();
  }

  @Test
  void aMirrorPodIsNeverDeniedHowEverWide() {
    Pod pod = pod(MutationSizeBound.MAX_INJECTED_CONTAINERS + 1, "direct");
    pod.getMetadata().getAnnotations().put("kubernetes.io/config.mirror", "3f0c1d");

    assertThat(new MutationSizeBound("cloud.google.com").problem(pod, OPTED_IN)).isNull();
  }

  @Test
  void aPodWhoseServiceAccountIsNotOptedInIsNotCounted() throws Exception {
    AdmissionHandler handler = new AdmissionHandler(TestMutations.annotateWhenOptedIn(),
        (namespace, name) -> Optional.of(TestMutations.serviceAccount(namespace, name, Map.of())), "cloud.google.com",
        SERIALIZATION);

    AdmissionResult result = handler.handle(review(pod(MutationSizeBound.MAX_INJECTED_CONTAINERS + 1, "direct")));

    assertThat(result.outcome()).isEqualTo(AdmissionOutcome.UNCHANGED);
  }

  private static AdmissionHandler handler() {
    return new AdmissionHandler(TestMutations.annotateWhenOptedIn(), (namespace, name) -> Optional.of(OPTED_IN),
        "cloud.google.com", SERIALIZATION);
  }

  private static long growth(PodMutator mutator, Pod pod) throws Exception {
    return size(mutator.mutate(pod, OPTED_IN)) - size(pod);
  }

  private static long size(Pod pod) {
    return SERIALIZATION.asJson(pod).getBytes(StandardCharsets.UTF_8).length;
  }

  private static Pod pod(int containers, String mode) {
    return new PodBuilder().withNewMetadata().withName("big").withNamespace("big")
        .addToAnnotations("cloud.google.com/injection-mode", mode).endMetadata()
        .withNewSpec().withServiceAccountName("wide")
        .withContainers(IntStream.range(0, containers)
            .mapToObj(i -> new ContainerBuilder().withName("c-" + i).withImage("app").build()).toList())
        .endSpec().build();
  }

  private static AdmissionReview review(Pod pod) {
    return new AdmissionReviewBuilder().withApiVersion("admission.k8s.io/v1").withKind("AdmissionReview")
        .withRequest(new AdmissionRequestBuilder().withUid("uid-1").withNamespace("big").withOperation("CREATE")
            .withKind(new GroupVersionKind("", "Pod", "v1")).withObject(pod).build())
        .build();
  }
}
