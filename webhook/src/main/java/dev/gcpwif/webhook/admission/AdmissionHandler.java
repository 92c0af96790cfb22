package dev.gcpwif.webhook.admission;

import dev.gcpwif.webhook.metrics.AdmissionOutcome;
import dev.gcpwif.webhook.mutation.MutationResult;
import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.mutation.core.Names;
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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Decides one Pod admission: looks up the pod's ServiceAccount, runs the mutation and answers with the JSONPatch from
 * the submitted pod to the mutated one, or with a denial naming the invalid annotation.
 *
 * <p>The mutation is pure, so a {@code dryRun} request gets the same answer as a real one; only logs and metrics tell
 * them apart.
 */
public final class AdmissionHandler {
  static final String DEFAULT_SERVICE_ACCOUNT = "default";
  private static final Set<String> KNOWN_MODES = Set.of("direct", "gcloud", "metadata");

  private final Mutation mutation;
  private final ServiceAccountLookup serviceAccounts;
  private final String injectionModeAnnotation;
  private final KubernetesSerialization serialization;
  private final MutationSizeBound sizeBound;

  public AdmissionHandler(Mutation mutation, ServiceAccountLookup serviceAccounts, String annotationPrefix,
      KubernetesSerialization serialization) {
    this.mutation = mutation;
    this.serviceAccounts = serviceAccounts;
    this.injectionModeAnnotation = new Names(annotationPrefix).injectionMode();
    this.serialization = serialization;
    this.sizeBound = new MutationSizeBound(annotationPrefix);
  }

  /**
   * Uses the review's pod in place for the duration of the call (it gets the request's namespace if it has none) and
   * hands it back as it came, so one review must not be handled by two threads at once.
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
    // The patch applies to the object as the API server holds it: diff from the pod as submitted, taken before the
    // namespace is filled in below.
    JsonNode submittedTree = serialization.convertValue(submitted, JsonNode.class);
    ObjectMeta submittedMetadata = submitted.getMetadata();
    String submittedNamespace = submittedMetadata == null ? null : submittedMetadata.getNamespace();
    try {
      fillInNamespace(submitted, request.getNamespace());
      return mutate(request, submitted, submittedTree, submittedMetadata, submittedNamespace, dryRun);
    } finally {
      // The pod is borrowed from the review, not copied (a copy is a serialization pass): hand it back as it came.
      submitted.setMetadata(submittedMetadata);
      if (submittedMetadata != null) {
        submittedMetadata.setNamespace(submittedNamespace);
      }
    }
  }

  private AdmissionResult mutate(AdmissionRequest request, Pod submitted, JsonNode submittedTree,
      ObjectMeta submittedMetadata, String submittedNamespace, boolean dryRun) throws ServiceAccountLookupException {
    String namespace = submitted.getMetadata().getNamespace();
    String serviceAccountName = serviceAccountNameOf(submitted);
    String subject = subjectOf(namespace, podName(submitted.getMetadata()));

    Optional<ServiceAccount> serviceAccount = serviceAccounts.find(namespace, serviceAccountName);
    String tooWide = sizeBound.problem(submitted, serviceAccount.orElse(null));
    if (tooWide != null) {
      return new AdmissionResult(deny(request, tooWide), AdmissionOutcome.DENIED, "none", dryRun, subject,
          serviceAccountName, tooWide);
    }
    Pod mutated;
    List<String> warnings;
    try {
      MutationResult result = mutation.apply(submitted, serviceAccount.orElse(null));
      mutated = result.pod();
      warnings = result.warnings();
    } catch (InvalidAnnotationException e) {
      return new AdmissionResult(deny(request, e.getMessage()), AdmissionOutcome.DENIED, "none", dryRun, subject,
          serviceAccountName, e.getMessage());
    }

    String mode = injectionMode(submitted, serviceAccount.orElse(null));
    restoreSubmittedNamespace(mutated, submittedMetadata, submittedNamespace);
    JsonNode patch = JsonPatchDiff.operations(submittedTree, serialization.convertValue(mutated, JsonNode.class));
    if (patch.isEmpty()) {
      String why = serviceAccount.isPresent() ? "nothing to inject" : "ServiceAccount not found";
      return new AdmissionResult(allow(request, null, warnings), AdmissionOutcome.UNCHANGED, "none", dryRun, subject,
          serviceAccountName, why);
    }
    return new AdmissionResult(allow(request, serialization.asJson(patch), warnings), AdmissionOutcome.MUTATED, mode, dryRun,
        subject, serviceAccountName, patch.size() + " patch operations");
  }

  /** The API server omits metadata.namespace on pods created with an implicit namespace; the request carries it. */
  private static void fillInNamespace(Pod pod, String requestNamespace) {
    if (pod.getMetadata() == null) {
      pod.setMetadata(new ObjectMeta());
    }
    String namespace = pod.getMetadata().getNamespace();
    if ((namespace == null || namespace.isEmpty()) && requestNamespace != null) {
      pod.getMetadata().setNamespace(requestNamespace);
    }
  }

  /**
   * Puts the namespace of the mutated pod (the mutation's own copy) back as submitted, so that the patch does not touch
   * what the mutation did not.
   */
  private static void restoreSubmittedNamespace(Pod mutated, ObjectMeta submittedMetadata, String submittedNamespace) {
    mutated.getMetadata().setNamespace(submittedNamespace);
    if (submittedMetadata == null && mutated.getMetadata().equals(new ObjectMeta())) {
      mutated.setMetadata(null);
    }
  }

  private static String serviceAccountNameOf(Pod pod) {
    String name = pod.getSpec() == null ? null : pod.getSpec().getServiceAccountName();
    if (name == null || name.isEmpty()) {
      name = pod.getSpec() == null ? null : pod.getSpec().getServiceAccount();
    }
    return name == null || name.isEmpty() ? DEFAULT_SERVICE_ACCOUNT : name;
  }

  /**
   * The mode label of the metrics: the same precedence the mutation applies (Pod annotation over ServiceAccount
   * annotation over the {@code direct} default), read from the inputs because the mutation returns only a pod.
   */
  private String injectionMode(Pod pod, ServiceAccount serviceAccount) {
    String mode = annotation(pod.getMetadata().getAnnotations());
    if (mode == null && serviceAccount != null && serviceAccount.getMetadata() != null) {
      mode = annotation(serviceAccount.getMetadata().getAnnotations());
    }
    if (mode == null) {
      return "direct";
    }
    mode = mode.trim().toLowerCase(Locale.ROOT);
    return KNOWN_MODES.contains(mode) ? mode : "other";
  }

  private String annotation(Map<String, String> annotations) {
    return annotations == null ? null : annotations.get(injectionModeAnnotation);
  }

  private static String podName(ObjectMeta metadata) {
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
