package dev.gcpwif.webhook.inject;

import java.util.Map;

/**
 * One YAML document of the input, as parsed; {@code where} names it in error messages ({@code FILE document N}).
 */
record ManifestDocument(String where, Map<String, Object> content) {

  String kind() {
    return content.get("kind") instanceof String kind ? kind : "";
  }

  String apiVersion() {
    return content.get("apiVersion") instanceof String version ? version : "";
  }
}
