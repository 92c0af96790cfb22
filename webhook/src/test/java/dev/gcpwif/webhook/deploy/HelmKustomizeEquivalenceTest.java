package dev.gcpwif.webhook.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.deploy.Kustomize.Rendered;
import dev.gcpwif.webhook.serve.ServeCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The chart installs what the matching kustomize overlay installs. Every object of one is in the other, field for
 * field, but for the differences listed in {@link #ALLOWED}, each with its reason.
 */
class HelmKustomizeEquivalenceTest {

  /** Objects kustomize renders and the chart, by default, does not: "Kind namespace/name" and why. */
  static final Map<String, String> ALLOWED_MISSING_FROM_HELM = Map.of(
      "Namespace /gcp-wif-system",
      "Helm writes its release record into the release namespace before it creates any object, so a chart cannot "
          + "create its own namespace on `helm install`: `--create-namespace` does (README tells how to label it "
          + "restricted, and so does NOTES.txt); namespace.create=true renders it for helm template / GitOps.");

  /** What the comparison ignores in every object, and why. */
  static final Map<String, String> ALLOWED = Map.of(
      "metadata.labels",
      "The chart adds the standard Helm labels (app.kubernetes.io/instance, version, managed-by, helm.sh/chart) to "
          + "kustomize's app.kubernetes.io/name and part-of; HelmChartTest checks them on every object.",
      "app.kubernetes.io/instance in selectors",
      "The chart's pod selectors add the release name, so the pods of two releases never mix; the selectors are still "
          + "checked to pick the webhook pods by DeployManifestsTest.",
      "the webhook container's args",
      "The chart passes every serve flag explicitly (each is a value); kustomize passes a few and relies on serve's "
          + "defaults. They are compared by what serve makes of them: the value of every option, parsed by the real "
          + "ServeCommand (args(), below).");

  static Stream<Arguments> modes() {
    return Stream.of(
        Arguments.of("overlays/cert-manager", "helm:default", ALLOWED_MISSING_FROM_HELM),
        Arguments.of("overlays/self-signed", "helm:self-signed", ALLOWED_MISSING_FROM_HELM),
        Arguments.of("overlays/cert-manager", "helm:gitops.yaml", Map.of()));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("modes")
  void theChartRendersTheSameObjectsAsTheOverlay(String overlay, String chart, Map<String, String> allowedMissing) {
    Map<String, HasMetadata> kustomize = byId(DeployManifestsTest.rendered(overlay));
    Map<String, HasMetadata> helm = byId(DeployManifestsTest.rendered(chart));

    TreeSet<String> expected = new TreeSet<>(kustomize.keySet());
    expected.removeAll(allowedMissing.keySet());
    assertThat(new TreeSet<>(helm.keySet())).as("(kind, namespace, name) of %s against %s", chart, overlay)
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("modes")
  void everyObjectIsFieldForFieldTheOverlaysButForTheListedDifferences(String overlay, String chart,
      Map<String, String> allowedMissing) {
    Map<String, HasMetadata> kustomize = byId(DeployManifestsTest.rendered(overlay));
    Map<String, HasMetadata> helm = byId(DeployManifestsTest.rendered(chart));

    for (Map.Entry<String, HasMetadata> object : helm.entrySet()) {
      assertThat(normalized(object.getValue())).as("%s in %s against %s", object.getKey(), chart, overlay)
          .isEqualTo(normalized(kustomize.get(object.getKey())));
    }
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("modes")
  void serveGetsTheSameValueForEveryOption(String overlay, String chart, Map<String, String> allowedMissing) {
    assertThat(options(DeployManifestsTest.rendered(chart)))
        .isEqualTo(options(DeployManifestsTest.rendered(overlay)));
  }

  /** Every serve option, by name, with the value the real ServeCommand gives it for these container args. */
  static Map<String, String> options(Rendered rendered) {
    List<String> args = DeployManifestsTest.webhookContainer(rendered).getArgs();
    CommandLine serve = new CommandLine(new ServeCommand());
    serve.parseArgs(args.subList(1, args.size()).toArray(String[]::new));
    Map<String, String> values = new TreeMap<>();
    for (OptionSpec option : serve.getCommandSpec().options()) {
      if (!option.usageHelp() && !option.versionHelp()) {
        values.put(option.longestName(), Objects.toString(option.getValue()));
      }
    }
    return values;
  }

  private static Map<String, HasMetadata> byId(Rendered rendered) {
    Map<String, HasMetadata> objects = new LinkedHashMap<>();
    for (HasMetadata object : rendered.objects()) {
      String namespace = Objects.toString(object.getMetadata().getNamespace(), "");
      assertThat(objects.put(object.getKind() + " " + namespace + "/" + object.getMetadata().getName(), object))
          .as("duplicate %s %s in %s", object.getKind(), object.getMetadata().getName(), rendered).isNull();
    }
    return objects;
  }

  /** The object as JSON without the parts {@link #ALLOWED} lists. */
  @SuppressWarnings("unchecked")
  private static String normalized(HasMetadata object) {
    KubernetesSerialization json = new KubernetesSerialization();
    Map<String, Object> tree = json.unmarshal(json.asJson(object), Map.class);
    ((Map<String, Object>) tree.get("metadata")).remove("labels");
    if (object instanceof Deployment) {
      Map<String, Object> pod = (Map<String, Object>) ((Map<String, Object>) tree.get("spec")).get("template");
      ((Map<String, Object>) pod.get("metadata")).remove("labels");
      for (Object container : (List<Object>) ((Map<String, Object>) pod.get("spec")).get("containers")) {
        if ("webhook".equals(((Map<String, Object>) container).get("name"))) {
          ((Map<String, Object>) container).remove("args");
        }
      }
    }
    removeInstanceFromSelectors(tree);
    return json.asYaml(sorted(tree));
  }

  /** Keys in order: kustomize sorts the fields of objects it has no schema for (Certificate, Issuer), Helm does not. */
  private static Object sorted(Object node) {
    if (node instanceof Map<?, ?> map) {
      Map<String, Object> sorted = new TreeMap<>();
      map.forEach((key, value) -> sorted.put((String) key, sorted(value)));
      return sorted;
    }
    if (node instanceof List<?> list) {
      return list.stream().map(HelmKustomizeEquivalenceTest::sorted).toList();
    }
    return node;
  }

  @SuppressWarnings("unchecked")
  private static void removeInstanceFromSelectors(Object node) {
    if (node instanceof Map<?, ?> map) {
      Object matchLabels = map.get("matchLabels");
      if (matchLabels instanceof Map<?, ?> labels) {
        ((Map<String, Object>) labels).remove("app.kubernetes.io/instance");
      }
      Object selector = map.get("selector");
      if (selector instanceof Map<?, ?> labels && !labels.containsKey("matchLabels")) {
        ((Map<String, Object>) labels).remove("app.kubernetes.io/instance");
      }
      new ArrayList<>(map.values()).forEach(HelmKustomizeEquivalenceTest::removeInstanceFromSelectors);
    } else if (node instanceof List<?> list) {
      list.forEach(HelmKustomizeEquivalenceTest::removeInstanceFromSelectors);
    }
  }
}
