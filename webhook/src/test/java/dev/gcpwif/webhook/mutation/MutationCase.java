package dev.gcpwif.webhook.mutation;

import dev.gcpwif.webhook.mutation.core.SidecarSettings;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * One folder of {@code src/test/resources/mutation}: {@code pod.yaml}, {@code sa.yaml} (absent: no ServiceAccount),
 * {@code settings.properties} (absent: defaults; keys annotationPrefix, audience, tokenExpiration, defaultMode, region,
 * sidecarImage, sidecarPort, sidecarHealthPort, sidecarNative, sidecarLogLevel), and either {@code expected.yaml} (with {@code expected-warnings.txt}, one admission warning a line, when the
 * mutation warns; absent: no warnings) or {@code expected-error.txt}.
 */
record MutationCase(String name, Path folder) {
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static List<MutationCase> all() {
    try (Stream<Path> folders = Files.list(Path.of(MutationCase.class.getResource("/mutation").toURI()))) {
      return folders.filter(Files::isDirectory).sorted()
          .map(folder -> new MutationCase(folder.getFileName().toString(), folder)).toList();
    } catch (IOException | URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return name;
  }

  Pod pod() {
    return SERIALIZATION.unmarshal(read("pod.yaml"), Pod.class);
  }

  ServiceAccount serviceAccount() {
    return exists("sa.yaml") ? SERIALIZATION.unmarshal(read("sa.yaml"), ServiceAccount.class) : null;
  }

  WebhookSettings settings() {
    WebhookSettings defaults = WebhookSettings.defaults();
    if (!exists("settings.properties")) {
      return defaults;
    }
    Properties p = new Properties();
    try {
      p.load(new StringReader(read("settings.properties")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new WebhookSettings(
        p.getProperty("annotationPrefix", defaults.annotationPrefix()),
        p.getProperty("audience", defaults.defaultAudience()),
        Long.parseLong(p.getProperty("tokenExpiration", "" + defaults.defaultTokenExpirationSeconds())),
        Integer.parseInt(p.getProperty("defaultMode", "0" + Integer.toOctalString(defaults.tokenVolumeDefaultMode())), 8),
        p.getProperty("region", defaults.defaultRegion()),
        sidecar(p, defaults.sidecar()));
  }

  private static SidecarSettings sidecar(Properties p, SidecarSettings d) {
    return new SidecarSettings(p.getProperty("sidecarImage", d.image()),
        Integer.parseInt(p.getProperty("sidecarPort", "" + d.port())),
        Integer.parseInt(p.getProperty("sidecarHealthPort", "" + d.healthPort())),
        d.cpuRequest(), d.memoryRequest(), d.cpuLimit(), d.memoryLimit(),
        Boolean.parseBoolean(p.getProperty("sidecarNative", "" + d.nativeSidecar())),
        p.getProperty("sidecarLogLevel", d.logLevel()), d.imagePullPolicy());
  }

  boolean expectsError() {
    return exists("expected-error.txt");
  }

  String expectedError() {
    return read("expected-error.txt").strip();
  }

  List<String> expectedWarnings() {
    return exists("expected-warnings.txt") ? read("expected-warnings.txt").lines().toList() : List.of();
  }

  Pod expectedPod() {
    return SERIALIZATION.unmarshal(read("expected.yaml"), Pod.class);
  }

  boolean exists(String file) {
    return Files.exists(folder.resolve(file));
  }

  String read(String file) {
    try {
      return Files.readString(folder.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
