package dev.gcpwif.webhook.robustness;

import java.util.List;
import java.util.Random;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Random AdmissionReviews for Pod CREATE: well-formed ones with random pods and our annotations (valid and invalid
 * values), and damaged ones (truncated, wrong types, huge strings, unknown fields, missing parts, wrong kind).
 */
final class ReviewGenerator {
  record Case(String kind, String body) {}

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String P = "cloud.google.com/";
  private static final List<String> SERVICE_ACCOUNTS = List.of("default", "opted-in", "with-email", "gcloud",
      "metadata", "bad-provider", "bad-email", "missing", "");
  private static final List<String> PROVIDERS = List.of(
      "projects/123456789012/locations/global/workloadIdentityPools/on-prem/providers/cluster-a",
      "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q",
      "projects/1/locations/global/workloadIdentityPools/p", "", " ", "x".repeat(300), "projects/é/../..");
  private static final List<String> EMAILS = List.of("reader@my-project.iam.gserviceaccount.com",
      "123-compute@developer.gserviceaccount.com", "a@b.com/../x", "nope", "");
  private static final List<String> MODES = List.of("direct", "gcloud", "metadata", "Metadata", "sidecar", "", " gcloud ");
  private static final List<String> EXPIRATIONS = List.of("3600", "600", "599", "86400", "1h", "-1", "4294967297", "");
  private static final List<String> PROJECTS = List.of("my-project", "My Project", "p", "");
  private static final List<String> AUDIENCES = List.of("sts.googleapis.com", "a b", "", "https://x.example/aud");
  private static final List<String> SKIPS = List.of("app", "app,sidecar", " c0 , c1,", "a;b", "", "init-0");
  private static final List<String> MOUNT_PATHS = List.of("/data", "/var/run/secrets/sts.googleapis.com/serviceaccount",
      "/tmp", "/var/run/secrets/sts.googleapis.com");
  private static final List<String> VOLUME_NAMES = List.of("data", "gcp-workload-identity", "cache", "tmp");
  private static final List<String> ENV_NAMES = List.of("GOOGLE_APPLICATION_CREDENTIALS", "BOTO_PATH", "FOO",
      "CLOUDSDK_CORE_PROJECT", "GCE_METADATA_HOST", "HOME");

  private final Random random;
  private int serial;

  ReviewGenerator(Random random) {
    this.random = random;
  }

  Case next() {
    ObjectNode review = wellFormedReview();
    int dice = random.nextInt(100);
    if (dice < 55) {
      return new Case("valid", review.toString());
    }
    if (dice < 62) {
      String text = review.toString();
      return new Case("truncated", text.substring(0, random.nextInt(text.length())));
    }
    if (dice < 70) {
      wrongType(review);
      return new Case("wrong-type", review.toString());
    }
    if (dice < 75) {
      randomLeaf(review, NODES.stringNode(bigString()));
      return new Case("huge-string", review.toString());
    }
    if (dice < 82) {
      unknownField(review);
      return new Case("unknown-field", review.toString());
    }
    if (dice < 89) {
      missingPart(review);
      return new Case("missing-part", review.toString());
    }
    if (dice < 94) {
      wrongKind(review);
      return new Case("wrong-kind", review.toString());
    }
    return new Case("byte-noise", noise(review.toString()));
  }

  private ObjectNode wellFormedReview() {
    ObjectNode review = NODES.objectNode();
    review.put("apiVersion", "admission.k8s.io/v1");
    review.put("kind", "AdmissionReview");
    ObjectNode request = review.putObject("request");
    request.put("uid", "uid-" + (serial++) + "-" + Long.toHexString(random.nextLong()));
    ObjectNode kind = request.putObject("kind");
    kind.put("group", "");
    kind.put("version", "v1");
    kind.put("kind", "Pod");
    ObjectNode resource = request.putObject("resource");
    resource.put("group", "");
    resource.put("version", "v1");
    resource.put("resource", "pods");
    request.put("namespace", "team-a");
    request.put("operation", random.nextInt(20) == 0 ? pick(List.of("UPDATE", "DELETE", "CONNECT")) : "CREATE");
    if (random.nextBoolean()) {
      request.put("dryRun", random.nextBoolean());
    }
    ObjectNode userInfo = request.putObject("userInfo");
    userInfo.put("username", "system:serviceaccount:kube-system:replicaset-controller");
    request.set("object", pod());
    return review;
  }

  private ObjectNode pod() {
    ObjectNode pod = NODES.objectNode();
    pod.put("apiVersion", "v1");
    pod.put("kind", "Pod");
    ObjectNode metadata = pod.putObject("metadata");
    if (random.nextBoolean()) {
      metadata.put("name", "app-" + random.nextInt(1000));
    } else {
      metadata.put("generateName", "app-");
    }
    if (random.nextBoolean()) {
      metadata.put("namespace", "team-a");
    }
    ObjectNode annotations = NODES.objectNode();
    maybe(annotations, P + "workload-identity-provider", PROVIDERS, 6);
    maybe(annotations, P + "service-account-email", EMAILS, 6);
    maybe(annotations, P + "injection-mode", MODES, 4);
    maybe(annotations, P + "token-expiration", EXPIRATIONS, 6);
    maybe(annotations, P + "project-id", PROJECTS, 8);
    maybe(annotations, P + "audience", AUDIENCES, 8);
    maybe(annotations, P + "skip-containers", SKIPS, 6);
    maybe(annotations, P + "external-credentials-json", List.of("{}", "stale"), 12);
    maybe(annotations, "example.com/other", List.of("x", ""), 3);
    if (!annotations.isEmpty()) {
      metadata.set("annotations", annotations);
    }
    ObjectNode spec = pod.putObject("spec");
    String serviceAccount = pick(SERVICE_ACCOUNTS);
    if (!serviceAccount.isEmpty()) {
      spec.put(random.nextInt(10) == 0 ? "serviceAccount" : "serviceAccountName", serviceAccount);
    }
    if (random.nextInt(5) == 0) {
      spec.put("hostNetwork", true);
    }
    if (random.nextInt(3) == 0) {
      ObjectNode securityContext = spec.putObject("securityContext");
      securityContext.put("runAsNonRoot", random.nextBoolean());
      if (random.nextBoolean()) {
        securityContext.put("runAsUser", 1000 + random.nextInt(5));
      }
      if (random.nextBoolean()) {
        securityContext.put("fsGroup", 2000);
      }
    }
    ArrayNode volumes = NODES.arrayNode();
    for (int i = random.nextInt(3); i > 0; i--) {
      ObjectNode volume = volumes.addObject();
      volume.put("name", pick(VOLUME_NAMES) + (random.nextInt(3) == 0 ? "" : "-" + i));
      volume.putObject("emptyDir");
    }
    if (!volumes.isEmpty()) {
      spec.set("volumes", volumes);
    }
    if (random.nextInt(4) == 0) {
      spec.set("initContainers", containers("init", 1 + random.nextInt(2), volumes));
    }
    int count = random.nextInt(12) == 0 ? 0 : 1 + random.nextInt(random.nextInt(10) == 0 ? 20 : 4);
    spec.set("containers", containers("c", count, volumes));
    return pod;
  }

  private ArrayNode containers(String prefix, int count, ArrayNode volumes) {
    ArrayNode containers = NODES.arrayNode();
    for (int i = 0; i < count; i++) {
      ObjectNode container = containers.addObject();
      container.put("name", i == 0 && random.nextBoolean() ? (prefix.equals("c") ? "app" : "init-0") : prefix + i);
      container.put("image", "registry.example/app:" + random.nextInt(10));
      if (random.nextBoolean()) {
        ArrayNode env = container.putArray("env");
        List<String> names = new java.util.ArrayList<>(ENV_NAMES);
        java.util.Collections.shuffle(names, random);
        for (String name : names.subList(0, 1 + random.nextInt(3))) {
          ObjectNode variable = env.addObject();
          variable.put("name", name);
          variable.put("value", "v" + random.nextInt(100));
        }
      }
      if (!volumes.isEmpty() && random.nextBoolean()) {
        ArrayNode mounts = container.putArray("volumeMounts");
        ObjectNode mount = mounts.addObject();
        mount.put("name", volumes.get(random.nextInt(volumes.size())).get("name").asString());
        mount.put("mountPath", pick(MOUNT_PATHS));
      }
      if (random.nextInt(4) == 0) {
        container.putObject("securityContext").put("runAsUser", 0);
      }
    }
    return containers;
  }

  private void maybe(ObjectNode annotations, String key, List<String> values, int oneIn) {
    if (random.nextInt(oneIn) == 0) {
      annotations.put(key, pick(values));
    }
  }

  private void wrongType(ObjectNode review) {
    List<JsonNode> replacements = List.of(NODES.numberNode(42), NODES.booleanNode(true), NODES.arrayNode(),
        NODES.objectNode(), NODES.nullNode(), NODES.stringNode("x"), NODES.numberNode(1e308));
    randomLeaf(review, replacements.get(random.nextInt(replacements.size())));
  }

  /** Replaces a randomly chosen value (object member or array element) anywhere in the tree. */
  private void randomLeaf(JsonNode root, JsonNode replacement) {
    JsonNode node = root;
    JsonNode parent = null;
    String field = null;
    int index = -1;
    for (int depth = 0; depth < 12 && node.isContainer() && !node.isEmpty(); depth++) {
      parent = node;
      if (node.isObject()) {
        List<String> names = node.propertyNames().stream().toList();
        field = names.get(random.nextInt(names.size()));
        node = node.get(field);
      } else {
        index = random.nextInt(node.size());
        node = node.get(index);
      }
      if (random.nextInt(4) == 0) {
        break;
      }
    }
    if (parent instanceof ObjectNode object) {
      object.set(field, replacement);
    } else if (parent instanceof ArrayNode array) {
      array.set(index, replacement);
    }
  }

  private void unknownField(ObjectNode review) {
    ObjectNode target = switch (random.nextInt(4)) {
      case 0 -> review;
      case 1 -> (ObjectNode) review.get("request");
      case 2 -> (ObjectNode) review.get("request").get("object");
      default -> (ObjectNode) review.get("request").get("object").get("spec");
    };
    target.put("unknownField" + random.nextInt(5), random.nextBoolean() ? "value" : bigString());
    target.putObject("x-extra").putArray("nested").add(1).add("two");
  }

  private void missingPart(ObjectNode review) {
    ObjectNode request = (ObjectNode) review.get("request");
    switch (random.nextInt(7)) {
      case 0 -> review.remove("request");
      case 1 -> request.remove("uid");
      case 2 -> request.remove("object");
      case 3 -> request.remove("kind");
      case 4 -> ((ObjectNode) request.get("object")).remove("spec");
      case 5 -> ((ObjectNode) request.get("object")).remove("metadata");
      default -> request.put("uid", "");
    }
  }

  private void wrongKind(ObjectNode review) {
    switch (random.nextInt(5)) {
      case 0 -> review.put("apiVersion", "admission.k8s.io/v1beta1");
      case 1 -> review.put("kind", "Pod");
      case 2 -> review.remove("apiVersion");
      case 3 -> ((ObjectNode) review.get("request").get("kind")).put("kind", "Deployment");
      default -> ((ObjectNode) review.get("request").get("object")).put("kind", "ConfigMap");
    }
  }

  private String noise(String text) {
    StringBuilder noisy = new StringBuilder(text);
    for (int i = 1 + random.nextInt(4); i > 0; i--) {
      int at = random.nextInt(noisy.length());
      switch (random.nextInt(3)) {
        case 0 -> noisy.deleteCharAt(at);
        case 1 -> noisy.insert(at, "{}[]\",:\\\u0000é\uD83D\uDE00".charAt(random.nextInt(12)));
        default -> noisy.setCharAt(at, (char) (32 + random.nextInt(95)));
      }
    }
    return noisy.toString();
  }

  private String bigString() {
    return "é\u2028\"\\".repeat(1 + random.nextInt(3)) + "x".repeat(1000 + random.nextInt(100_000));
  }

  private <T> T pick(List<T> values) {
    return values.get(random.nextInt(values.size()));
  }
}
