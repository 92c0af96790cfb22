package dev.gcpwif.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class JsonPatchDiffTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private static Pod original() {
    return new PodBuilder()
        .withNewMetadata().withName("app").withNamespace("ns").addToAnnotations("keep", "me").endMetadata()
        .withNewSpec()
        .addNewContainer().withName("main").withImage("busybox").addNewEnv().withName("A").withValue("1").endEnv()
        .endContainer()
        .addNewContainer().withName("other").withImage("busybox").endContainer()
        .endSpec()
        .build();
  }

  private static Pod mutated(Pod pod) {
    return new PodBuilder(SERIALIZATION.clone(pod))
        .editMetadata().addToAnnotations("cloud.google.com/external-credentials-json", "{}").endMetadata()
        .editSpec()
        .editFirstContainer().addNewEnv().withName("B").withValue("2").endEnv().endContainer()
        .editLastContainer().addNewEnv().withName("B").withValue("2").endEnv().endContainer()
        .addNewVolume().withName("v").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec()
        .build();
  }

  @Test
  void applyingThePatchToTheOriginalGivesTheMutatedPod() {
    Pod before = original();
    Pod after = mutated(before);

    String patch = JsonPatchDiff.diff(before, after);

    JsonNode patched = JsonPatch.apply(
        SERIALIZATION.unmarshal(patch, JsonNode.class), SERIALIZATION.convertValue(before, JsonNode.class));
    Pod result = SERIALIZATION.convertValue(patched, Pod.class);
    assertThat(result).isEqualTo(after);
    assertThat(result.getSpec().getContainers()).extracting(c -> c.getEnv().size()).containsExactly(2, 1);
  }

  @Test
  void escapesSlashesInNames() {
    Pod before = original();

    String patch = JsonPatchDiff.diff(before, mutated(before));

    assertThat(patch).contains("\"/metadata/annotations/cloud.google.com~1external-credentials-json\"");
  }

  @Test
  void equalPodsGiveAnEmptyPatch() {
    assertThat(JsonPatchDiff.diff(original(), original())).isEqualTo("[]");
  }

  @Test
  void usesOnlyAddRemoveAndReplaceOperations() {
    Pod before = original();
    Pod after = mutated(before);

    JsonNode operations = SERIALIZATION.unmarshal(JsonPatchDiff.diff(before, after), JsonNode.class);

    assertThat(operations.size()).isPositive();
    operations.forEach(op -> assertThat(op.get("op").asString()).isIn("add", "remove", "replace"));
  }
}
