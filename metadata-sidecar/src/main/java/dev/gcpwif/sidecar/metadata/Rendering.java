package dev.gcpwif.sidecar.metadata;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.gcpwif.sidecar.metadata.MetadataNode.Child;
import dev.gcpwif.sidecar.metadata.MetadataNode.Directory;
import dev.gcpwif.sidecar.metadata.MetadataNode.Dynamic;
import dev.gcpwif.sidecar.metadata.MetadataNode.Value;

/** Metadata values as GCE renders them: text listings and values, JSON, recursive JSON or flattened text. */
public final class Rendering {
  public static final String TEXT = "application/text";
  public static final String JSON = "application/json";

  private Rendering() {}

  public record Body(String contentType, String content) {}

  public static Body render(MetadataNode node, boolean recursive, String alt) {
    boolean json = alt == null ? node instanceof Directory && recursive : alt.equals("json");
    if (node instanceof Directory directory) {
      if (recursive) {
        JsonObject tree = toJson(directory);
        return json ? new Body(JSON, tree.toString()) : new Body(TEXT, flatten("", tree, new StringBuilder()).toString());
      }
      StringBuilder listing = new StringBuilder();
      com.google.gson.JsonArray names = new com.google.gson.JsonArray();
      for (Child child : directory.children().values()) {
        String name = child.name() + (child.node() instanceof Directory ? "/" : "");
        listing.append(name).append('\n');
        names.add(name);
      }
      return json ? new Body(JSON, names.toString()) : new Body(TEXT, listing.toString());
    }
    JsonElement value = ((Value) node).json();
    return json ? new Body(JSON, value.toString()) : new Body(TEXT, text(value));
  }

  private static String text(JsonElement value) {
    if (value.isJsonArray()) {
      StringBuilder lines = new StringBuilder();
      value.getAsJsonArray().forEach(element -> lines.append(element.getAsString()).append('\n'));
      return lines.toString();
    }
    return value.getAsString();
  }

  private static JsonObject toJson(Directory directory) {
    JsonObject object = new JsonObject();
    for (Child child : directory.children().values()) {
      if (child.node() instanceof Directory sub) {
        object.add(child.jsonKey(), toJson(sub));
      } else if (child.node() instanceof Value value) {
        object.add(child.jsonKey(), value.json());
      } else if (!(child.node() instanceof Dynamic)) {
        throw new IllegalStateException("unknown node " + child.node());
      }
    }
    return object;
  }

  private static StringBuilder flatten(String prefix, JsonElement element, StringBuilder out) {
    if (element.isJsonObject()) {
      element.getAsJsonObject().entrySet().forEach(e -> flatten(prefix + e.getKey() + "/", e.getValue(), out));
    } else if (element.isJsonArray()) {
      int i = 0;
      for (JsonElement item : element.getAsJsonArray()) {
        flatten(prefix + i++ + "/", item, out);
      }
    } else {
      out.append(prefix, 0, prefix.length() - 1).append(' ').append(element.getAsString()).append('\n');
    }
    return out;
  }
}
