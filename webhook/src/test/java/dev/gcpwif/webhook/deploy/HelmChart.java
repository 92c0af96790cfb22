package dev.gcpwif.webhook.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.gcpwif.webhook.deploy.Kustomize.Rendered;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * deploy/helm/gcp-wif rendered by real Helm (its Go library, in the JVM through helm-java): what {@code helm template}
 * and {@code helm install} would send to the API server.
 */
public final class HelmChart {

  /** The release name and namespace the README's install command uses. */
  public static final String RELEASE = "gcp-wif";
  public static final String NAMESPACE = "gcp-wif-system";
  /** A cluster version the chart's kubeVersion accepts; helm-java's own default (1.20) is older than any supported. */
  public static final String KUBE_VERSION = "v1.31.0";

  private HelmChart() {}

  public static Path directory() {
    return Kustomize.repositoryRoot().resolve("deploy/helm/gcp-wif");
  }

  public static Path example(String file) {
    return directory().resolve("examples").resolve(file);
  }

  public static LintResult lint() {
    return new Helm(directory()).lint().strict().call();
  }

  /** The rendered manifests; throws {@link IllegalStateException} with Helm's message when rendering fails. */
  public static String template(List<Path> valuesFiles, Map<String, Object> set) {
    TemplateCommand template = new Helm(directory()).template().withName(RELEASE).withNamespace(NAMESPACE)
        .withKubeVersion(KUBE_VERSION);
    for (Path file : valuesFiles) {
      template = template.withValuesFile(file);
    }
    for (Map.Entry<String, Object> entry : set.entrySet()) {
      template = template.set(entry.getKey(), entry.getValue());
    }
    return template.call();
  }

  public static Rendered render(String name, List<Path> valuesFiles, Map<String, Object> set) {
    String yaml = template(valuesFiles, set);
    assertThat(yaml).as("helm template %s", name).isNotBlank();
    return new Rendered(name, Kustomize.parse(yaml));
  }

  /** The chart with its default values: cert-manager mode. */
  public static Rendered defaults() {
    return render("helm default values", List.of(), Map.of());
  }

  /** The chart with {@code certManager.enabled=false}: the webhook's own certificates. */
  public static Rendered selfSigned() {
    return render("helm certManager.enabled=false", List.of(), Map.of("certManager.enabled", false));
  }

  public static Rendered withExample(String file) {
    return render("helm -f examples/" + file, List.of(example(file)), Map.of());
  }

  /**
   * Renders with these values, written to a values file as nested YAML (keys like {@code a.b.c}), so that types
   * stay what a user's values file would give ({@code --set} guesses them).
   */
  public static Rendered renderValues(String name, Map<String, Object> dottedValues) {
    try {
      Path file = Files.createTempFile("values", ".yaml");
      try {
        Files.writeString(file, new KubernetesSerialization().asYaml(nested(dottedValues)));
        return render(name, List.of(file), Map.of());
      } finally {
        Files.delete(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> nested(Map<String, Object> dotted) {
    Map<String, Object> root = new LinkedHashMap<>();
    dotted.forEach((key, value) -> {
      String[] path = key.split("\\.");
      Map<String, Object> node = root;
      for (int i = 0; i < path.length - 1; i++) {
        node = (Map<String, Object>) node.computeIfAbsent(path[i], ignored -> new LinkedHashMap<String, Object>());
      }
      node.put(path[path.length - 1], value);
    });
    return root;
  }

  public static Map<String, Object> set(Object... keysAndValues) {
    Map<String, Object> set = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      set.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return set;
  }
}
