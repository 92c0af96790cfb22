package dev.gcpwif.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The diff's oracle: zjsonpatch's independent RFC 6902 implementation applying the patch to the first document gives
 * the second. Over every pair of pods the table tests hold (both directions, so removals are exercised too) and over
 * random documents edited at random. The admission path over generated reviews is replayed by AdmissionFuzzTest.
 */
class JsonPatchDiffPropertyTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final long SEED = Long.getLong("diff.seed", 20261202L);

  static Stream<Path> tableCases() throws IOException {
    List<Path> cases = new ArrayList<>();
    try (Stream<Path> folders = Files.list(Path.of("src/test/resources/mutation"))) {
      folders.filter(folder -> Files.exists(folder.resolve("expected.yaml"))).sorted().forEach(cases::add);
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tableCases")
  void thePatchBetweenATableCasesPodsReplaysInBothDirections(Path folder) throws IOException {
    JsonNode submitted = tree(folder.resolve("pod.yaml"));
    JsonNode expected = tree(folder.resolve("expected.yaml"));

    assertReplays(submitted, expected);
    assertReplays(expected, submitted);
  }

  @Test
  void thePatchBetweenRandomlyEditedDocumentsReplays() {
    Random random = new Random(SEED);
    for (int i = 0; i < 3_000; i++) {
      JsonNode before = randomValue(random, 0);
      JsonNode after = before.deepCopy();
      int edits = 1 + random.nextInt(4);
      for (int e = 0; e < edits; e++) {
        after = edit(random, after, 0);
      }
      assertReplays(before, after);
    }
  }

  @Test
  void oneChangedFieldDeepInALongListIsOneOperationAtThatField() {
    ObjectNode before = NODES.objectNode();
    ArrayNode env = before.putObject("spec").putArray("containers").addObject().put("name", "app").putArray("env");
    for (int i = 0; i < 1_000; i++) {
      env.addObject().put("name", "V" + i).put("value", "x");
    }
    ObjectNode after = before.deepCopy();
    ((ObjectNode) after.path("spec").path("containers").path(0).path("env").path(500)).put("value", "y");

    JsonNode patch = JsonPatchDiff.operations(before, after);

    assertThat(patch.toString())
        .isEqualTo("[{\"op\":\"replace\",\"path\":\"/spec/containers/0/env/500/value\",\"value\":\"y\"}]");
  }

  @Test
  void aSidecarInsertedFirstAndAVariableAppendedToEachContainerAreOneAddEach() {
    ObjectNode before = NODES.objectNode();
    ArrayNode containers = before.putArray("containers");
    for (int i = 0; i < 100; i++) {
      containers.addObject().put("name", "c" + i).putArray("env").addObject().put("name", "A");
    }
    ObjectNode after = before.deepCopy();
    after.withArray("containers").forEach(c -> ((ArrayNode) c.get("env")).addObject().put("name", "B"));
    after.withArray("containers").insertObject(0).put("name", "sidecar");

    JsonNode patch = JsonPatchDiff.operations(before, after);

    assertThat(patch.size()).isEqualTo(101);
    assertThat(patch.get(0).toString()).isEqualTo("{\"op\":\"add\",\"path\":\"/containers/0\",\"value\":{\"name\":\"sidecar\"}}");
    assertThat(patch.get(1).get("path").asString()).isEqualTo("/containers/1/env/1");
    assertReplays(before, after);
  }

  @Test
  void keysWithSlashesAndTildesAreEscaped() {
    ObjectNode before = NODES.objectNode();
    before.putObject("annotations").put("a/b~c", "1");
    ObjectNode after = before.deepCopy();
    ((ObjectNode) after.get("annotations")).put("a/b~c", "2").put("cloud.google.com/injection", "x");

    JsonNode patch = JsonPatchDiff.operations(before, after);

    assertThat(patch.toString()).contains("\"/annotations/a~1b~0c\"").contains("\"/annotations/cloud.google.com~1injection\"");
    assertReplays(before, after);
  }

  private static void assertReplays(JsonNode before, JsonNode after) {
    JsonNode patch = JsonPatchDiff.operations(before, after);
    patch.forEach(op -> assertThat(op.get("op").asString()).isIn("add", "remove", "replace"));
    if (before.equals(after)) {
      assertThat(patch).as("patch between equal documents").isEmpty();
    }
    JsonNode replayed = JsonPatch.apply(patch, before.deepCopy());
    assertThat(replayed).as("%s applied to %s", patch, before).isEqualTo(after);
  }

  private static JsonNode tree(Path yaml) throws IOException {
    return SERIALIZATION.convertValue(SERIALIZATION.unmarshal(Files.readString(yaml), Pod.class), JsonNode.class);
  }

  /** Small documents shaped like pods: objects, lists of named objects (sometimes with a repeated name), scalars. */
  private static JsonNode randomValue(Random random, int depth) {
    int kind = depth >= 4 ? 3 + random.nextInt(2) : random.nextInt(5);
    switch (kind) {
      case 0 -> {
        ObjectNode object = NODES.objectNode();
        int fields = random.nextInt(4);
        for (int i = 0; i < fields; i++) {
          object.set(key(random), randomValue(random, depth + 1));
        }
        return object;
      }
      case 1 -> {
        ArrayNode named = NODES.arrayNode();
        int entries = random.nextInt(6);
        for (int i = 0; i < entries; i++) {
          named.add(namedEntry(random, depth));
        }
        return named;
      }
      case 2 -> {
        ArrayNode list = NODES.arrayNode();
        int entries = random.nextInt(5);
        for (int i = 0; i < entries; i++) {
          list.add(randomValue(random, depth + 1));
        }
        return list;
      }
      case 3 -> {
        return NODES.stringNode("s" + random.nextInt(4));
      }
      default -> {
        return random.nextInt(5) == 0 ? NODES.nullNode() : NODES.numberNode(random.nextInt(3));
      }
    }
  }

  private static ObjectNode namedEntry(Random random, int depth) {
    ObjectNode entry = NODES.objectNode();
    if (random.nextInt(8) != 0) {
      entry.put("name", "n" + random.nextInt(8));
    }
    if (random.nextBoolean()) {
      entry.set("value", randomValue(random, depth + 2));
    }
    return entry;
  }

  /**
   * Not "t~0": its pointer token is "t~00" (RFC 6901, as the API server's Go json-patch decodes it), which the oracle,
   * zjsonpatch 8.0, fails to resolve and silently ignores on remove.
   */
  private static String key(Random random) {
    return List.of("a", "b", "name", "x/y", "t~", "cloud.google.com/k", "env").get(random.nextInt(7));
  }

  /** One random edit somewhere in {@code node}: returns the edited node (a replacement at the top). */
  private static JsonNode edit(Random random, JsonNode node, int depth) {
    if (node instanceof ObjectNode object && !object.isEmpty() && random.nextInt(3) != 0) {
      List<String> names = new ArrayList<>(object.propertyNames());
      String name = names.get(random.nextInt(names.size()));
      switch (random.nextInt(3)) {
        case 0 -> object.remove(name);
        case 1 -> object.set(key(random), randomValue(random, depth + 1));
        default -> object.set(name, edit(random, object.get(name), depth + 1));
      }
      return object;
    }
    if (node instanceof ArrayNode array && random.nextInt(4) != 0) {
      int size = array.size();
      switch (random.nextInt(4)) {
        case 0 -> array.insert(random.nextInt(size + 1), random.nextBoolean() ? namedEntry(random, depth)
            : randomValue(random, depth + 1));
        case 1 -> {
          if (size > 0) {
            array.remove(random.nextInt(size));
          }
        }
        case 2 -> array.add(namedEntry(random, depth));
        default -> {
          if (size > 0) {
            int i = random.nextInt(size);
            array.set(i, edit(random, array.get(i), depth + 1));
          }
        }
      }
      return array;
    }
    return random.nextInt(3) == 0 ? randomValue(random, depth) : node;
  }
}
