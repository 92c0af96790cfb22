package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.SidecarSettings;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One folder of {@code src/test/resources/metadata-mode}: {@code pod.yaml} (a pod as file mode leaves it), optional
 * {@code options.yaml} (injectedContainers, nativeSidecar, bindMetadataHostname, projectId), and either
 * {@code expected.yaml} or {@code expected-error.txt}.
 */
record MetadataModeCase(String name, Path dir) {
  static final Path ROOT = Path.of("src/test/resources/metadata-mode");
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static Stream<MetadataModeCase> all() throws IOException {
    try (Stream<Path> dirs = Files.list(ROOT)) {
      return dirs.filter(Files::isDirectory).sorted()
          .map(dir -> new MetadataModeCase(dir.getFileName().toString(), dir)).toList().stream();
    }
  }

  Pod pod() {
    return SERIALIZATION.unmarshal(read("pod.yaml"), Pod.class);
  }

  boolean expectsError() {
    return Files.exists(dir.resolve("expected-error.txt"));
  }

  String expectedError() {
    return read("expected-error.txt").strip();
  }

  Pod expectedPod() {
    return SERIALIZATION.unmarshal(read("expected.yaml"), Pod.class);
  }

  MetadataSidecarInjector injector() {
    boolean nativeSidecar = !Boolean.FALSE.equals(options().get("nativeSidecar"));
    return new MetadataSidecarInjector(SidecarSettings.defaults().withNativeSidecar(nativeSidecar), "cloud.google.com");
  }

  MetadataModeOptions modeOptions() {
    return new MetadataModeOptions(Boolean.TRUE.equals(options().get("bindMetadataHostname")),
        (String) options().get("projectId"));
  }

  @SuppressWarnings("unchecked")
  Collection<String> injectedContainers(Pod pod) {
    Object names = options().get("injectedContainers");
    return names == null ? MetadataSidecarInjector.injectedContainerNames(pod) : (List<String>) names;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> options() {
    if (!Files.exists(dir.resolve("options.yaml"))) {
      return Map.of();
    }
    return SERIALIZATION.unmarshal(read("options.yaml"), Map.class);
  }

  private String read(String file) {
    try {
      return Files.readString(dir.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
