package dev.gcpwif.sidecar.metadata;

import com.google.gson.JsonElement;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A node of the metadata tree: a directory, a fixed value, or an endpoint answered per request (token, identity). */
public sealed interface MetadataNode {

  /** A fixed value; arrays render as one line per element in text. */
  record Value(JsonElement json) implements MetadataNode {}

  /** Answered per request and left out of recursive listings, as on GCE. */
  record Dynamic(Kind kind, String account) implements MetadataNode {
    public enum Kind { TOKEN, IDENTITY }
  }

  /** Children in listing order; each has the key it gets in recursive JSON (camelCase on GCE, except names like emails). */
  final class Directory implements MetadataNode {
    private final Map<String, Child> children = new LinkedHashMap<>();

    public Directory add(String name, MetadataNode node) {
      return add(name, camelCase(name), node);
    }

    public Directory addVerbatim(String name, MetadataNode node) {
      return add(name, name, node);
    }

    private Directory add(String name, String jsonKey, MetadataNode node) {
      children.put(name, new Child(name, jsonKey, node));
      return this;
    }

    public Map<String, Child> children() {
      return Collections.unmodifiableMap(children);
    }

    private static String camelCase(String name) {
      StringBuilder out = new StringBuilder();
      boolean upper = false;
      for (char c : name.toCharArray()) {
        if (c == '-') {
          upper = true;
        } else {
          out.append(upper ? Character.toUpperCase(c) : c);
          upper = false;
        }
      }
      return out.toString();
    }
  }

  record Child(String name, String jsonKey, MetadataNode node) {}
}
