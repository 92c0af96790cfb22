package dev.gcpwif.webhook.deploy;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.serve.WebhookServer;
import dev.gcpwif.webhook.testing.TestMutations;
import dev.gcpwif.webhook.testing.TestTls;
import dev.gcpwif.webhook.testing.TestTls.KeyKind;
import dev.gcpwif.webhook.tls.ReloadingServerTls;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** Asks the real HTTPS server (ready, as after the informer sync) for a path, as the kubelet's probe would. */
final class ProbeEndpoints {

  private ProbeEndpoints() {}

  static int statusOf(String path) {
    try {
      Path dir = Files.createTempDirectory("probe");
      TestTls testTls = new TestTls();
      TestTls.write(testTls.leaf(KeyKind.EC_PKCS8, "webhook"), KeyKind.EC_PKCS8, dir.resolve("c"), dir.resolve("k"));
      AdmissionHandler admissions = new AdmissionHandler(TestMutations.annotateWhenOptedIn(),
          (namespace, name) -> Optional.empty(), "cloud.google.com", new KubernetesSerialization());
      OkHttpClient kubelet = testTls.client();
      try (ReloadingServerTls tls = new ReloadingServerTls(dir.resolve("c"), dir.resolve("k"));
          WebhookServer server = new WebhookServer("127.0.0.1", 0, tls, admissions, () -> true, new WebhookMetrics(),
              Duration.ofSeconds(1)).start()) {
        try (Response response = kubelet.newCall(
            new Request.Builder().url("https://localhost:" + server.port() + path).build()).execute()) {
          return response.code();
        } finally {
          // An idle keep-alive connection would hold the server's graceful stop for the whole grace period.
          kubelet.connectionPool().evictAll();
        }
      } finally {
        Files.deleteIfExists(dir.resolve("c"));
        Files.deleteIfExists(dir.resolve("k"));
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
