package dev.gcpwif.webhook.admission;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import java.util.EnumSet;
import tools.jackson.databind.JsonNode;

/**
 * The RFC 6902 JSON Patch that turns one pod into another, as an admission response carries it (before base64).
 * Both pods go through the same {@link KubernetesSerialization}, so fields the model does not know survive on both
 * sides and never show up as spurious operations.
 */
public final class JsonPatchDiff {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  // Only add/remove/replace: some API server versions and audit tooling handle move/copy poorly, and the patch is
  // applied to the object the API server holds, so the simplest operations are the safest.
  private static final EnumSet<DiffFlags> FLAGS =
      EnumSet.of(DiffFlags.OMIT_MOVE_OPERATION, DiffFlags.OMIT_COPY_OPERATION);

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
   * a pod's tree anyway serializes it once).
   */
  public static JsonNode operations(JsonNode before, JsonNode after) {
    return JsonDiff.asJson(before, after, FLAGS);
  }
}
