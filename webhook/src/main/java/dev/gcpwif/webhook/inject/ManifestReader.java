package dev.gcpwif.webhook.inject;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/** Splits multi-document YAML into objects, naming the document (1-based) that does not parse. */
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
        number++;
        document = parsed.next();
      } catch (YamlEngineException e) {
        throw new ManifestException(source + " document " + number + ": not valid YAML: " + describe(e));
      }
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
