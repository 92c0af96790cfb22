package dev.gcpwif.webhook.inject;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Splits multi-document YAML into objects, naming the document (1-based) that does not parse; input without any object
 * is an error.
 */
final class ManifestReader {
  private ManifestReader() {}

  static List<ManifestDocument> read(String source, String yaml) throws ManifestException {
    List<ManifestDocument> documents = new ArrayList<>();
    Iterator<Object> parsed = new Load(LoadSettings.builder().setLabel(source).build())
        .loadAllFromString(yaml).iterator();
    int number = 0;
    while (true) {
      Object document;
      try {
        if (!parsed.hasNext()) {
          break;
        }
        document = parsed.next();
      } catch (YamlEngineException e) {
        // hasNext() already parses: the document that failed is the one after the last one read.
        throw new ManifestException(source + " document " + (number + 1) + ": not valid YAML: " + describe(e));
      }
      number++;
      String where = source + " document " + number;
      if (document == null) {
        continue; // an empty document, as between two "---" lines
      }
      if (!(document instanceof Map<?, ?> map)) {
        throw new ManifestException(where + ": expected a Kubernetes object (a mapping with apiVersion and kind)");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> object = (Map<String, Object>) map;
      documents.add(new ManifestDocument(where, object));
    }
    if (documents.isEmpty()) {
      // kubectl refuses such input too ("no objects passed to apply"); printing nothing would hide a wrong path or
      // a generator that failed upstream in a pipeline.
      throw new ManifestException(source + ": no Kubernetes objects found (the input is empty, or only comments"
          + " and '---'); expected YAML documents with apiVersion and kind");
    }
    return documents;
  }

  private static String describe(YamlEngineException e) {
    if (e instanceof MarkedYamlEngineException marked && marked.getProblemMark().isPresent()) {
      var mark = marked.getProblemMark().get();
      return marked.getProblem() + " (line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ")";
    }
    return e.getMessage().lines().findFirst().orElse("unknown error");
  }
}
