package dev.gcpwif.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.metrics.AdmissionOutcome;
import dev.gcpwif.webhook.mutation.MutationResult;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.serviceaccount.ServiceAccountLookup;
import dev.gcpwif.webhook.serviceaccount.ServiceAccountLookupException;
import dev.gcpwif.webhook.testing.TestMutations;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class AdmissionHandlerTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private final Map<String, ServiceAccount> accounts = new HashMap<>(Map.of(
      "payments/billing", TestMutations.optedIn("payments", "billing"),
      "payments/default", TestMutations.optedIn("payments", "default")));
  private final List<String> lookups = new ArrayList<>();
  private final ServiceAccountLookup lookup = (namespace, name) -> {
    lookups.add(namespace + "/" + name);
    return Optional.ofNullable(accounts.get(namespace + "/" + name));
  };
  private final AdmissionHandler handler =
      new AdmissionHandler(TestMutations.annotateWhenOptedIn(), lookup, "cloud.google.com", SERIALIZATION);

  @ParameterizedTest
  @ValueSource(strings = {"pod-create-from-replicaset", "pod-create-dry-run-default-sa", "pod-update",
      "deployment-create"})
  void recordedReviewGetsTheRecordedResponse(String name) throws Exception {
    AdmissionResult result = handler.handle(review(name + ".json"));

    JsonNode actual = withDecodedPatch(SERIALIZATION.convertValue(result.review(), JsonNode.class));
    JsonNode expected = SERIALIZATION.unmarshal(resource(name + ".response.json"), JsonNode.class);
    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void patchAppliedToTheSubmittedObjectGivesTheMutatedPod() throws Exception {
    String body = resource("pod-create-from-replicaset.json");
    AdmissionResult result = handler.handle(SERIALIZATION.unmarshal(body, AdmissionReview.class));

    JsonNode submitted = SERIALIZATION.unmarshal(body, JsonNode.class).get("request").get("object");
    JsonNode patch = SERIALIZATION.unmarshal(decodedPatch(result.review()), JsonNode.class);
    JsonNode patched = JsonPatch.apply(patch, submitted);

    Pod pod = SERIALIZATION.convertValue(patched, Pod.class);
    assertThat(pod.getMetadata().getAnnotations()).containsEntry(TestMutations.MARKER, "payments/billing");
    assertThat(pod.getSpec().getContainers().get(0).getEnv()).extracting("name")
        .containsExactly("LOG_LEVEL", "GOOGLE_APPLICATION_CREDENTIALS");
    // Everything the mutation did not touch is byte-for-byte what the API server sent.
    ObjectNode untouched = ((ObjectNode) patched.deepCopy());
    ((ObjectNode) untouched.get("metadata")).remove("annotations");
    ((tools.jackson.databind.node.ArrayNode) untouched.get("spec").get("containers").get(0).get("env")).remove(1);
    assertThat(untouched).isEqualTo(submitted);
  }

  @Test
  void theMutationsWarningsGoToTheResponseWarningsWithThePatch() throws Exception {
    AdmissionHandler warning = new AdmissionHandler((pod, sa) -> new MutationResult(
        TestMutations.annotateWhenOptedIn().apply(pod, sa).pod(), List.of("first: corrected", "second: ignored")),
        lookup, "cloud.google.com", SERIALIZATION);

    var response = warning.handle(review("pod-create-from-replicaset.json")).review().getResponse();

    assertThat(response.getAllowed()).isTrue();
    assertThat(response.getPatch()).isNotNull();
    assertThat(response.getWarnings()).containsExactly("first: corrected", "second: ignored");
    assertThat(SERIALIZATION.asJson(response)).contains("\"warnings\":[\"first: corrected\",\"second: ignored\"]");
  }

  @Test
  void warningsAreGivenAlsoWhenNothingIsPatchedAndOmittedWhenThereAreNone() throws Exception {
    AdmissionHandler unchangedButWarned = new AdmissionHandler(
        (pod, sa) -> new MutationResult(SERIALIZATION.clone(pod), List.of("only a warning")), lookup,
        "cloud.google.com", SERIALIZATION);

    var warned = unchangedButWarned.handle(review("pod-create-from-replicaset.json")).review().getResponse();
    var plain = handler.handle(review("pod-create-from-replicaset.json")).review().getResponse();

    assertThat(warned.getPatch()).isNull();
    assertThat(warned.getWarnings()).containsExactly("only a warning");
    assertThat(SERIALIZATION.asJson(plain)).doesNotContain("warnings");
  }

  @Test
  void aMirrorPodIsAdmittedWithoutPatchOrWarningEvenWithBadAnnotations() throws Exception {
    AdmissionHandler real = new AdmissionHandler(
        new dev.gcpwif.webhook.mutation.PodMutator(dev.gcpwif.webhook.mutation.core.WebhookSettings.defaults())
            ::mutateOwnCopy, lookup, "cloud.google.com", SERIALIZATION);
    AdmissionReview mirror = review("pod-create-from-replicaset.json");
    ((Pod) mirror.getRequest().getObject()).getMetadata().setAnnotations(Map.of(
        "kubernetes.io/config.mirror", "5c0f9bd7", "cloud.google.com/injection-mode", "nonsense"));
    AdmissionReview ordinary = review("pod-create-from-replicaset.json");

    AdmissionResult result = real.handle(mirror);

    assertThat(real.handle(ordinary).outcome()).as("the same pod without the mirror annotation")
        .isEqualTo(AdmissionOutcome.MUTATED);
    assertThat(result.outcome()).isEqualTo(AdmissionOutcome.UNCHANGED);
    assertThat(result.review().getResponse().getAllowed()).isTrue();
    assertThat(result.review().getResponse().getPatch()).isNull();
    assertThat(result.review().getResponse().getWarnings()).isNullOrEmpty();
  }

  @Test
  void namespaceComesFromTheRequestWhenThePodHasNone() throws Exception {
    handler.handle(review("pod-create-from-replicaset.json"));

    assertThat(lookups).containsExactly("payments/billing");
  }

  @Test
  void reviewsPodIsHandedBackAsSubmittedAfterTheNamespaceWasFilledIn() throws Exception {
    AdmissionReview review = review("pod-create-from-replicaset.json");
    Pod submitted = (Pod) review.getRequest().getObject();
    assertThat(submitted.getMetadata().getNamespace()).as("fixture's pod has no namespace").isNull();
    String before = SERIALIZATION.asJson(submitted);

    AdmissionResult result = handler.handle(review);

    assertThat(result.outcome()).isEqualTo(AdmissionOutcome.MUTATED);
    assertThat(review.getRequest().getObject()).isSameAs(submitted);
    assertThat(SERIALIZATION.asJson(submitted)).isEqualTo(before);
  }

  @Test
  void theSubmittedPodIsUntouchedWhileTheRealMutationChangesItsCopyInPlace() throws Exception {
    AdmissionHandler real = new AdmissionHandler(new PodMutator(WebhookSettings.defaults())::mutateOwnCopy, lookup,
        "cloud.google.com", SERIALIZATION);
    AdmissionReview review = review("pod-create-from-replicaset.json");
    Pod submitted = (Pod) review.getRequest().getObject();
    String before = SERIALIZATION.asJson(submitted);

    AdmissionResult result = real.handle(review);

    assertThat(result.outcome()).isEqualTo(AdmissionOutcome.MUTATED);
    assertThat(review.getRequest().getObject()).isSameAs(submitted);
    assertThat(SERIALIZATION.asJson(submitted)).isEqualTo(before);
  }

  @Test
  void podWithoutMetadataIsHandedBackWithoutMetadata() throws Exception {
    AdmissionReview review = review("pod-create-from-replicaset.json");
    Pod submitted = (Pod) review.getRequest().getObject();
    submitted.setMetadata(null);

    handler.handle(review);

    assertThat(lookups).containsExactly("payments/billing");
    assertThat(submitted.getMetadata()).isNull();
  }

  @Test
  void podWithoutServiceAccountNameRunsAsDefault() throws Exception {
    AdmissionResult result = handler.handle(review("pod-create-dry-run-default-sa.json"));

    assertThat(lookups).containsExactly("payments/default");
    assertThat(result.serviceAccount()).isEqualTo("default");
  }

  @Test
  void dryRunGetsTheSamePatchAndIsReportedAsDryRun() throws Exception {
    AdmissionReview dryRun = review("pod-create-from-replicaset.json");
    dryRun.getRequest().setDryRun(true);

    AdmissionResult real = handler.handle(review("pod-create-from-replicaset.json"));
    AdmissionResult simulated = handler.handle(dryRun);

    assertThat(simulated.review().getResponse().getPatch()).isEqualTo(real.review().getResponse().getPatch());
    assertThat(simulated.dryRun()).isTrue();
    assertThat(real.dryRun()).isFalse();
    assertThat(simulated.outcome()).isEqualTo(AdmissionOutcome.MUTATED);
  }

  @Test
  void invalidAnnotationDeniesWithTheMutationsMessage() throws Exception {
    accounts.put("payments/billing", TestMutations.serviceAccount("payments", "billing",
        Map.of(TestMutations.PROVIDER, "pool-a")));

    AdmissionResult result = handler.handle(review("pod-create-from-replicaset.json"));

    var response = result.review().getResponse();
    assertThat(response.getUid()).isEqualTo("0df28fbd-5f5f-11e8-bc74-36e6bb280816");
    assertThat(response.getAllowed()).isFalse();
    assertThat(response.getPatch()).isNull();
    assertThat(response.getPatchType()).isNull();
    assertThat(response.getStatus().getCode()).isEqualTo(403);
    assertThat(response.getStatus().getMessage()).isEqualTo("invalid annotation " + TestMutations.PROVIDER
        + "=\"pool-a\": expected projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER");
    assertThat(result.outcome()).isEqualTo(AdmissionOutcome.DENIED);
    assertThat(result.review().getApiVersion()).isEqualTo("admission.k8s.io/v1");
    assertThat(result.review().getKind()).isEqualTo("AdmissionReview");
  }

  @Test
  void missingServiceAccountAdmitsUntouched() throws Exception {
    accounts.clear();

    AdmissionResult result = handler.handle(review("pod-create-from-replicaset.json"));

    assertThat(result.review().getResponse().getAllowed()).isTrue();
    assertThat(result.review().getResponse().getPatch()).isNull();
    assertThat(result.outcome()).isEqualTo(AdmissionOutcome.UNCHANGED);
    assertThat(result.detail()).isEqualTo("ServiceAccount not found");
  }

  @Test
  void mutatedPodIsCountedUnderItsInjectionMode() throws Exception {
    ServiceAccount metadataMode = TestMutations.optedIn("payments", "billing");
    metadataMode.getMetadata().getAnnotations().put("cloud.google.com/injection-mode", "metadata");
    accounts.put("payments/billing", metadataMode);
    AdmissionReview podOverride = review("pod-create-from-replicaset.json");
    ((Pod) podOverride.getRequest().getObject()).getMetadata()
        .setAnnotations(Map.of("cloud.google.com/injection-mode", "gcloud"));

    AdmissionHandler real = new AdmissionHandler(new PodMutator(WebhookSettings.defaults())::mutateOwnCopy,
        lookup, "cloud.google.com", SERIALIZATION);

    assertThat(real.handle(review("pod-create-from-replicaset.json")).mode()).isEqualTo("metadata");
    assertThat(real.handle(podOverride).mode()).isEqualTo("gcloud");
  }

  @Test
  void lookupFailurePropagatesSoThatFailurePolicyDecides() {
    ServiceAccountLookupException failure = new ServiceAccountLookupException("API down", null);
    AdmissionHandler failing = new AdmissionHandler(TestMutations.annotateWhenOptedIn(),
        (ns, name) -> { throw failure; }, "cloud.google.com", SERIALIZATION);

    assertThatThrownBy(() -> failing.handle(review("pod-create-from-replicaset.json"))).isSameAs(failure);
  }

  static AdmissionReview review(String name) throws IOException {
    return SERIALIZATION.unmarshal(resource(name), AdmissionReview.class);
  }

  static String resource(String name) throws IOException {
    try (InputStream in = AdmissionHandlerTest.class.getResourceAsStream("/admission/" + name)) {
      if (in == null) {
        throw new IOException("missing test resource /admission/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static String decodedPatch(AdmissionReview review) {
    return new String(Base64.getDecoder().decode(review.getResponse().getPatch()), StandardCharsets.UTF_8);
  }

  /** Replaces the base64 patch by its JSON so that expected responses are readable. */
  private static JsonNode withDecodedPatch(JsonNode review) {
    ObjectNode copy = (ObjectNode) review.deepCopy();
    ObjectNode response = (ObjectNode) copy.get("response");
    if (response.has("patch")) {
      String json = new String(Base64.getDecoder().decode(response.get("patch").asString()), StandardCharsets.UTF_8);
      response.set("patch", SERIALIZATION.unmarshal(json, JsonNode.class));
    }
    return copy;
  }
}
