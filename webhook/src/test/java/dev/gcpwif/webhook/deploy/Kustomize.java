package dev.gcpwif.webhook.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Renders a kustomization with the real {@code kubectl kustomize} and loads every object with fabric8. */
public final class Kustomize {

  private Kustomize() {}

  /** The objects of {@code deploy/<variant>}, e.g. {@code base} or {@code overlays/self-signed}. */
  public static Rendered render(String variant) {
    Path directory = repositoryRoot().resolve("deploy").resolve(variant);
    return new Rendered(variant, parse(kubectlKustomize(directory)));
  }

  public static Path repositoryRoot() {
    Path directory = Path.of("").toAbsolutePath();
    while (directory != null && !Files.isDirectory(directory.resolve("deploy/overlays"))) {
      directory = directory.getParent();
    }
    assertThat(directory).as("a parent directory with deploy/overlays").isNotNull();
    return directory;
  }

  public static List<HasMetadata> parse(String yaml) {
    KubernetesSerialization serialization = new KubernetesSerialization();
    List<HasMetadata> parsed = new ArrayList<>();
    for (String document : yaml.split("(?m)^---\\s*$")) {
      if (!document.isBlank()) {
        parsed.add(serialization.unmarshal(document, HasMetadata.class));
      }
    }
    return parsed;
  }

  private static String kubectlKustomize(Path directory) {
    try {
      Process process;
      try {
        process = new ProcessBuilder("kubectl", "kustomize", directory.toString()).redirectErrorStream(true).start();
      } catch (IOException e) {
        return fail("kubectl is required to render deploy/ (the Cloud SDK ships it; see .ci/run): " + e.getMessage());
      }
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return fail("kubectl kustomize " + directory + " did not finish within 60 s");
      }
      String text = new String(output, StandardCharsets.UTF_8);
      assertThat(process.exitValue()).as("kubectl kustomize %s:%n%s", directory, text).isZero();
      return text;
    } catch (IOException e) {
      return fail("reading kubectl's output: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail("interrupted");
    }
  }

  /** One rendered variant. */
  public record Rendered(String variant, List<HasMetadata> objects) {

    <T extends HasMetadata> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The single object of that type; the variants ship exactly one Deployment, Service, PDB, ... */
    <T extends HasMetadata> T only(Class<T> type) {
      List<T> matches = all(type);
      assertThat(matches).as("%s objects in %s", type.getSimpleName(), variant).hasSize(1);
      return matches.get(0);
    }

    @Override
    public String toString() {
      return variant;
    }
  }
}
