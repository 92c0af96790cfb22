package dev.gcpwif.webhook.admission;

import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.ByteBuffer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.ByteBufferBackedInputStream;
import tools.jackson.databind.json.JsonMapper;

/** Turns a request body into an AdmissionReview, or explains in one line why it is not one. */
public final class AdmissionReviewParser {
  static final String API_VERSION = "admission.k8s.io/v1";
  static final String KIND = "AdmissionReview";

  private static final JsonMapper STRICT_JSON = JsonMapper.builder().build();

  private final KubernetesSerialization serialization;

  public AdmissionReviewParser(KubernetesSerialization serialization) {
    this.serialization = serialization;
  }

  public AdmissionReview parse(String body) throws MalformedAdmissionReviewException {
    if (body.isBlank()) {
      throw empty();
    }
    JsonNode tree;
    try {
      // Strict JSON first: KubernetesSerialization would also accept YAML, which no API server sends.
      tree = STRICT_JSON.readTree(body);
    } catch (RuntimeException e) {
      throw new MalformedAdmissionReviewException("body is not valid JSON: " + firstLine(e.getMessage()));
    }
    return bind(tree);
  }

  /**
   * The same from the request's bytes as received (UTF-8, as the API server sends them), parsed in place: no String
   * copy of a review that may be 3 MiB. Bytes that are not UTF-8 are malformed JSON here.
   */
  public AdmissionReview parse(ByteBuffer body) throws MalformedAdmissionReviewException {
    if (isBlank(body)) {
      throw empty();
    }
    JsonNode tree;
    try {
      tree = body.hasArray()
          ? STRICT_JSON.readTree(body.array(), body.arrayOffset() + body.position(), body.remaining())
          : STRICT_JSON.readTree(new ByteBufferBackedInputStream(body.duplicate()));
    } catch (RuntimeException e) {
      throw new MalformedAdmissionReviewException("body is not valid JSON: " + firstLine(e.getMessage()));
    }
    return bind(tree);
  }

  private static MalformedAdmissionReviewException empty() {
    return new MalformedAdmissionReviewException("empty body: expected an admission.k8s.io/v1 AdmissionReview");
  }

  private static boolean isBlank(ByteBuffer body) {
    for (int i = body.position(); i < body.limit(); i++) {
      byte b = body.get(i);
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  private AdmissionReview bind(JsonNode tree) throws MalformedAdmissionReviewException {
    if (tree == null || !tree.isObject()) {
      throw new MalformedAdmissionReviewException("body is not a JSON object: expected an AdmissionReview");
    }
    String apiVersion = text(tree, "apiVersion");
    String kind = text(tree, "kind");
    if (!API_VERSION.equals(apiVersion) || !KIND.equals(kind)) {
      throw new MalformedAdmissionReviewException("expected apiVersion " + API_VERSION + " and kind " + KIND + ", got "
          + (apiVersion == null ? "no apiVersion" : apiVersion) + " and " + (kind == null ? "no kind" : kind));
    }
    if (!tree.path("request").isObject()) {
      throw new MalformedAdmissionReviewException("AdmissionReview has no request");
    }
    AdmissionReview review;
    try {
      // Bound from the tree already read: parsing the text a second time costs as much as the binding.
      review = bindReview((ObjectNode) tree);
    } catch (RuntimeException e) {
      throw new MalformedAdmissionReviewException("AdmissionReview does not match the admission.k8s.io/v1 schema: "
          + firstLine(e.getMessage()));
    }
    AdmissionRequest request = review.getRequest();
    if (request.getUid() == null || request.getUid().isBlank()) {
      throw new MalformedAdmissionReviewException("AdmissionReview request has no uid");
    }
    if (isPodCreate(request)) {
      if (request.getObject() == null) {
        throw new MalformedAdmissionReviewException("Pod CREATE request has no object");
      }
      if (!(request.getObject() instanceof Pod)) {
        throw new MalformedAdmissionReviewException("request.object is not a v1 Pod although request.kind is Pod");
      }
      String problem = PodShapeValidator.problem((Pod) request.getObject());
      if (problem != null) {
        throw new MalformedAdmissionReviewException("request.object." + problem);
      }
    }
    return review;
  }

  /**
   * A v1 Pod in {@code request.object} is bound on its own, straight to {@link Pod}: through the review's binding,
   * fabric8's polymorphic deserializer first copies the object's subtree into a new tree to read its kind, then binds
   * that copy (AdmissionMicrobench: "bind review" cost twice "tree to pod"). Anything else takes the general path.
   * The tree is this parser's own, read for this call, so taking the object out of it changes nothing visible.
   */
  private AdmissionReview bindReview(ObjectNode tree) {
    JsonNode request = tree.get("request");
    JsonNode object = request.get("object");
    if (object == null || !object.isObject() || !"v1".equals(text(object, "apiVersion"))
        || !"Pod".equals(text(object, "kind"))) {
      return serialization.convertValue(tree, AdmissionReview.class);
    }
    ((ObjectNode) request).remove("object");
    AdmissionReview review = serialization.convertValue(tree, AdmissionReview.class);
    review.getRequest().setObject(serialization.convertValue(object, Pod.class));
    return review;
  }

  /** Only Pod creation is mutated: a pod spec's containers, volumes and env are immutable afterwards. */
  static boolean isPodCreate(AdmissionRequest request) {
    GroupVersionKind kind = request.getKind();
    boolean pod = kind != null && "Pod".equals(kind.getKind()) && (kind.getGroup() == null || kind.getGroup().isEmpty());
    boolean mainResource = request.getSubResource() == null || request.getSubResource().isEmpty();
    return pod && mainResource && "CREATE".equals(request.getOperation());
  }

  private static String text(JsonNode tree, String field) {
    JsonNode node = tree.get(field);
    return node != null && node.isString() ? node.asString() : null;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    String line = message.lines().findFirst().orElse("").strip();
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }
}
