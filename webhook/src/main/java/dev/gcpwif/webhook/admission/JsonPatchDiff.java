package dev.gcpwif.webhook.admission;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The RFC 6902 JSON Patch that turns one pod into another, as an admission response carries it (before base64).
 * Both pods go through the same {@link KubernetesSerialization}, so fields the model does not know survive on both
 * sides and never show up as spurious operations.
 *
 * <p>Time and memory are linear in the size of the two trees: a pod is admitted from anyone who may create one, and a
 * general longest-common-subsequence diff (zjsonpatch's) needs memory quadratic in an array's length, which a 3 MiB
 * pod with 10,000 env variables turns into an OutOfMemoryError. The mutation only appends entries, replaces or removes
 * known ones and inserts its sidecar first, so arrays are aligned without a general search:
 * <ul>
 *   <li>lists whose entries all carry a unique {@code name} (containers, env, volumes, ports) by name, as long as the
 *       entries both sides have keep their order;
 *   <li>other lists of equal length by index;
 *   <li>the rest by their corresponding entries at both ends, with the middle diffed entry by entry, then shortened
 *       or extended.
 * </ul>
 * Entries that correspond are diffed recursively, so one changed field gives one operation, not a replaced entry,
 * list or spec. Only add, remove and replace are used: some API server versions and audit tooling handle move and
 * copy poorly, and the patch is applied to the object the API server holds. An append names the index it creates (the
 * list's length, which RFC 6902 allows) rather than {@code -}, as the diff this one replaced did.
 */
public final class JsonPatchDiff {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String NAME = "name";

  private final ArrayNode operations = NODES.arrayNode();

  private JsonPatchDiff() {}

  /** Returns the JSON array of operations turning {@code before} into {@code after}; {@code []} when equal. */
  public static String diff(Pod before, Pod after) {
    return operations(before, after).toString();
  }

  /** The same patch as a JSON array node; empty when the pods are equal. */
  public static JsonNode operations(Pod before, Pod after) {
    return operations(SERIALIZATION.convertValue(before, JsonNode.class),
        SERIALIZATION.convertValue(after, JsonNode.class));
  }

  /**
   * The same patch between two pods already serialized by a {@link KubernetesSerialization} (so that a caller who needs
   * a pod's tree anyway serializes it once). Works for any two JSON documents; the result references subtrees of
   * {@code after} rather than copying them, so {@code after} must not be changed while the patch is in use.
   */
  public static ArrayNode operations(JsonNode before, JsonNode after) {
    JsonPatchDiff diff = new JsonPatchDiff();
    diff.node(Pointer.ROOT, before, after);
    return diff.operations;
  }

  private void node(Pointer at, JsonNode before, JsonNode after) {
    if (before.isObject() && after.isObject()) {
      object(at, (ObjectNode) before, (ObjectNode) after);
    } else if (before.isArray() && after.isArray()) {
      array(at, (ArrayNode) before, (ArrayNode) after);
    } else if (!before.equals(after)) {
      replace(at, after);
    }
  }

  private void object(Pointer at, ObjectNode before, ObjectNode after) {
    for (Map.Entry<String, JsonNode> field : before.properties()) {
      JsonNode wanted = after.get(field.getKey());
      if (wanted == null) {
        remove(at.field(field.getKey()));
      } else {
        node(at.field(field.getKey()), field.getValue(), wanted);
      }
    }
    for (Map.Entry<String, JsonNode> field : after.properties()) {
      if (!before.has(field.getKey())) {
        add(at.field(field.getKey()), field.getValue());
      }
    }
  }

  private void array(Pointer at, ArrayNode before, ArrayNode after) {
    Map<String, Integer> beforeByName = uniqueNames(before);
    Map<String, Integer> afterByName = beforeByName == null ? null : uniqueNames(after);
    if (afterByName != null && byNameKeepsOrder(before, after, beforeByName, afterByName)) {
      byName(at, before, after, afterByName);
    } else if (before.size() == after.size()) {
      for (int i = 0; i < before.size(); i++) {
        node(at.index(i), before.get(i), after.get(i));
      }
    } else {
      byEnds(at, before, after);
    }
  }

  /**
   * Entries of {@code before} whose name is gone are removed (last first, so that the indices of the others hold);
   * then, walking {@code after}, a new name is inserted where it stands and a kept one is diffed with its old entry,
   * which is next in line because the kept entries keep their order.
   */
  private void byName(Pointer at, ArrayNode before, ArrayNode after, Map<String, Integer> afterByName) {
    for (int i = before.size() - 1; i >= 0; i--) {
      if (!afterByName.containsKey(before.get(i).get(NAME).asString())) {
        remove(at.index(i));
      }
    }
    int next = 0; // the next entry of before that is kept
    for (int j = 0; j < after.size(); j++) {
      JsonNode wanted = after.get(j);
      String name = wanted.get(NAME).asString();
      while (next < before.size() && !afterByName.containsKey(before.get(next).get(NAME).asString())) {
        next++;
      }
      if (next < before.size() && before.get(next).get(NAME).asString().equals(name)) {
        node(at.index(j), before.get(next), wanted);
        next++;
      } else {
        add(at.index(j), wanted);
      }
    }
  }

  /** Whether the names both lists have come in the same order in each (then {@link #byName} applies). */
  private static boolean byNameKeepsOrder(ArrayNode before, ArrayNode after, Map<String, Integer> beforeByName,
      Map<String, Integer> afterByName) {
    int last = -1;
    for (JsonNode entry : after) {
      Integer index = beforeByName.get(entry.get(NAME).asString());
      if (index != null) {
        if (index < last) {
          return false;
        }
        last = index;
      }
    }
    return !afterByName.isEmpty() || !beforeByName.isEmpty();
  }

  /** Name to index when every entry is an object with a string name and no name repeats; null otherwise. */
  private static Map<String, Integer> uniqueNames(ArrayNode list) {
    if (list.isEmpty()) {
      return Map.of();
    }
    Map<String, Integer> names = new HashMap<>(list.size() * 2);
    for (int i = 0; i < list.size(); i++) {
      JsonNode name = list.get(i).get(NAME);
      if (name == null || !name.isString() || names.put(name.asString(), i) != null) {
        return null;
      }
    }
    return names;
  }

  /**
   * The corresponding entries at both ends are diffed in place; the middle is diffed pairwise, then its surplus removed
   * or its rest added. Entries correspond when both carry the same name, or when neither carries one and they are
   * equal: so a sidecar inserted in front of a list with a nameless entry, whose other entries each get a variable, is
   * still one add and one add per variable.
   */
  private void byEnds(Pointer at, ArrayNode before, ArrayNode after) {
    int shorter = Math.min(before.size(), after.size());
    int prefix = 0;
    while (prefix < shorter && correspond(before.get(prefix), after.get(prefix))) {
      prefix++;
    }
    int suffix = 0;
    while (suffix < shorter - prefix
        && correspond(before.get(before.size() - 1 - suffix), after.get(after.size() - 1 - suffix))) {
      suffix++;
    }
    for (int i = 0; i < prefix; i++) {
      node(at.index(i), before.get(i), after.get(i));
    }
    int beforeMiddle = before.size() - prefix - suffix;
    int afterMiddle = after.size() - prefix - suffix;
    int paired = Math.min(beforeMiddle, afterMiddle);
    for (int i = prefix; i < prefix + paired; i++) {
      node(at.index(i), before.get(i), after.get(i));
    }
    for (int i = prefix + beforeMiddle - 1; i >= prefix + paired; i--) {
      remove(at.index(i));
    }
    for (int i = prefix + paired; i < prefix + afterMiddle; i++) {
      add(at.index(i), after.get(i));
    }
    // The suffix now starts at the same index in both lists.
    for (int k = suffix; k >= 1; k--) {
      node(at.index(after.size() - k), before.get(before.size() - k), after.get(after.size() - k));
    }
  }

  private static boolean correspond(JsonNode before, JsonNode after) {
    JsonNode beforeName = before.get(NAME);
    JsonNode afterName = after.get(NAME);
    boolean named = beforeName != null && beforeName.isString();
    if (named != (afterName != null && afterName.isString())) {
      return false;
    }
    return named ? beforeName.asString().equals(afterName.asString()) : before.equals(after);
  }

  private void add(Pointer at, JsonNode value) {
    operations.addObject().put("op", "add").put("path", at.toString()).set("value", value);
  }

  private void replace(Pointer at, JsonNode value) {
    operations.addObject().put("op", "replace").put("path", at.toString()).set("value", value);
  }

  private void remove(Pointer at) {
    operations.addObject().put("op", "remove").put("path", at.toString());
  }

  /**
   * An RFC 6901 JSON Pointer, built as a chain and rendered only for an operation: the diff visits every node of both
   * trees, and most of them produce none.
   */
  private record Pointer(Pointer parent, String token) {
    static final Pointer ROOT = new Pointer(null, null);

    Pointer field(String name) {
      return new Pointer(this, name.replace("~", "~0").replace("/", "~1"));
    }

    Pointer index(int index) {
      return new Pointer(this, Integer.toString(index));
    }

    @Override
    public String toString() {
      if (parent == null) {
        return "";
      }
      StringBuilder path = new StringBuilder();
      render(path);
      return path.toString();
    }

    private void render(StringBuilder path) {
      if (parent != null) {
        parent.render(path);
        path.append('/').append(token);
      }
    }
  }
}
