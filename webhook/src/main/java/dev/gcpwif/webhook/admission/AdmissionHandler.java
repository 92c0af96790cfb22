package dev.gcpwif.webhook.admission;

import dev.gcpwif.webhook.metrics.AdmissionOutcome;
import dev.gcpwif.webhook.mutation.MutationResult;
import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.mutation.core.PodServiceAccount;
import dev.gcpwif.webhook.serviceaccount.ServiceAccountLookup;
import dev.gcpwif.webhook.serviceaccount.ServiceAccountLookupException;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Decides one Pod admission: looks up the pod's ServiceAccount, runs the mutation and answers with the JSONPatch from
 * the submitted pod to the mutated one, or with a denial naming the invalid annotation.
 *
 * <p>The mutation is pure, so a {@code dryRun} request gets the same answer as a real one; only logs and metrics tell
 * them apart.
 */
public final class AdmissionHandler {
  private final Mutation mutation;
  private final ServiceAccountLookup serviceAccounts;
  private final KubernetesSerialization serialization;
  private final MutationSizeBound sizeBound;

  public AdmissionHandler(Mutation mutation, ServiceAccountLookup serviceAccounts, String annotationPrefix,
      KubernetesSerialization serialization) {
    this.mutation = mutation;
    this.serviceAccounts = serviceAccounts;
    this.serialization = serialization;
    this.sizeBound = new MutationSizeBound(annotationPrefix);
  }

  /**
   * Never modifies the review: the mutation works on its own copy of the pod, and the patch is the difference from
   * the pod as submitted (both as the model serializes them).
   *
   * @throws ServiceAccountLookupException when the pod's ServiceAccount can be neither found nor ruled out; the caller
   *     answers with an HTTP error so that the webhook's failurePolicy decides
   */
  public AdmissionResult handle(AdmissionReview review) throws ServiceAccountLookupException {
    AdmissionRequest request = review.getRequest();
    boolean dryRun = Boolean.TRUE.equals(request.getDryRun());
    if (!AdmissionReviewParser.isPodCreate(request)) {
      String what = request.getOperation() + " " + (request.getKind() == null ? "?" : request.getKind().getKind());
      return new AdmissionResult(allow(request, null), AdmissionOutcome.UNCHANGED, "none", dryRun,
          subjectOf(request.getNamespace(), request.getName()), "-", "not a Pod CREATE (" + what + ")");
    }

    Pod submitted = (Pod) request.getObject();
    // The API server omits metadata.namespace on pods created with an implicit namespace; the request carries it.
    String podNamespace = submitted.getMetadata() == null ? null : submitted.getMetadata().getNamespace();
    String namespace = podNamespace == null || podNamespace.isEmpty() ? request.getNamespace() : podNamespace;
    String serviceAccountName = PodServiceAccount.nameOf(submitted.getSpec());
    String subject = subjectOf(namespace, podName(submitted.getMetadata()));

    Optional<ServiceAccount> serviceAccount = serviceAccounts.find(namespace, serviceAccountName);
    String tooWide = sizeBound.problem(submitted, serviceAccount.orElse(null));
    if (tooWide != null) {
      return new AdmissionResult(deny(request, tooWide), AdmissionOutcome.DENIED, "none", dryRun, subject,
          serviceAccountName, tooWide);
    }
    // The tree the patch starts from, and the mutation's own copy bound from it: binding a tree costs less than
    // copying the pod through a token buffer, and the tree is needed anyway.
    JsonNode before = serialization.convertValue(submitted, JsonNode.class);
    MutationResult result;
    try {
      result = mutation.apply(serialization.convertValue(before, Pod.class), serviceAccount.orElse(null));
    } catch (InvalidAnnotationException e) {
      return new AdmissionResult(deny(request, e.getMessage()), AdmissionOutcome.DENIED, "none", dryRun, subject,
          serviceAccountName, e.getMessage());
    }

    JsonNode patch = JsonPatchDiff.operations(before, serialization.convertValue(result.pod(), JsonNode.class));
    if (patch.isEmpty()) {
      String why = serviceAccount.isPresent() ? "nothing to inject" : "ServiceAccount not found";
      return new AdmissionResult(allow(request, null, result.warnings()), AdmissionOutcome.UNCHANGED, "none", dryRun,
          subject, serviceAccountName, why);
    }
    String mode = result.identity().map(identity -> identity.mode().annotationValue()).orElse("none");
    return new AdmissionResult(allow(request, serialization.asJson(patch), result.warnings()),
        AdmissionOutcome.MUTATED, mode, dryRun, subject, serviceAccountName, patch.size() + " patch operations");
  }


  private static String podName(ObjectMeta metadata) {
    if (metadata == null) {
      return "<unnamed>";
    }
    if (metadata.getName() != null && !metadata.getName().isEmpty()) {
      return metadata.getName();
    }
    return metadata.getGenerateName() == null ? "<unnamed>" : metadata.getGenerateName() + "*";
  }

  private static String subjectOf(String namespace, String name) {
    return (namespace == null || namespace.isEmpty() ? "-" : namespace) + "/" + (name == null ? "-" : name);
  }

  private static AdmissionReview allow(AdmissionRequest request, String patchJson) {
    return allow(request, patchJson, List.of());
  }

  /** {@code warnings} go to {@code response.warnings}, which kubectl prints as "Warning: ..." lines. */
  private static AdmissionReview allow(AdmissionRequest request, String patchJson, List<String> warnings) {
    AdmissionResponseBuilder response = new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(true);
    if (!warnings.isEmpty()) {
      response.withWarnings(warnings);
    }
    if (patchJson != null) {
      response.withPatchType("JSONPatch")
          .withPatch(Base64.getEncoder().encodeToString(patchJson.getBytes(StandardCharsets.UTF_8)));
    }
    return review(response.build());
  }

  private static AdmissionReview deny(AdmissionRequest request, String message) {
    // 403 like the Go webhook's controller-runtime "Denied": the pod is refused, the request itself was fine.
    return review(new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(false)
        .withStatus(new StatusBuilder().withCode(403).withStatus("Failure").withReason("Forbidden").withMessage(message)
            .build())
        .build());
  }

  private static AdmissionReview review(AdmissionResponse response) {
    return new AdmissionReviewBuilder().withApiVersion(AdmissionReviewParser.API_VERSION)
        .withKind(AdmissionReviewParser.KIND).withResponse(response).build();
  }
}
