package dev.gcpwif.webhook.inject;

import java.util.ArrayList;
import java.util.List;
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

  /** {@code kind: List} is what {@code kubectl get -o yaml} prints for several objects. */
  boolean isList() {
    return apiVersion().equals("v1") && kind().equals("List");
  }

  /** The objects of a {@link #isList() List}, each named {@code FILE document N item M}. */
  List<ManifestDocument> items() throws ManifestException {
    Object items = content.get("items");
    if (items != null && !(items instanceof List<?>)) {
      throw new ManifestException(where + ": a List whose items is not a list");
    }
    List<ManifestDocument> documents = new ArrayList<>();
    int number = 0;
    for (Object item : items == null ? List.of() : (List<?>) items) {
      number++;
      String itemWhere = where + " item " + number;
      if (!(item instanceof Map<?, ?> map)) {
        throw new ManifestException(itemWhere + ": expected a Kubernetes object (a mapping with apiVersion and kind)");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> object = (Map<String, Object>) map;
      documents.add(new ManifestDocument(itemWhere, object));
    }
    return documents;
  }
}
