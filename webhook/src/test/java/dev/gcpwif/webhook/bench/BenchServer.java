package dev.gcpwif.webhook.bench;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.serve.WebhookServer;
import dev.gcpwif.webhook.tls.ReloadingServerTls;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The webhook's HTTPS server as {@code webhook serve} builds it (real PodMutator, AdmissionHandler, metrics, TLS),
 * plus {@code POST /baseline} answering a fixed AdmissionReview through the same Jetty, TLS and Javalin. The
 * ServiceAccount comes from a map instead of the informer (measured separately by {@link InformerBench}), so the
 * numbers are the admission path itself. Started as its own JVM by {@link WebhookBench}.
 *
 * <p>Arguments: directory holding {@code tls.crt} and {@code tls.key}; the bound port is written to {@code port}.
 */
public final class BenchServer {
  static final String BASELINE = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
      + "\"response\":{\"uid\":\"0df28fbd-5f5f-11e8-bc74-36e6bb280816\",\"allowed\":true}}";

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    ServiceAccount account = AdmissionReviews.optedInServiceAccount();
    WebhookSettings settings = WebhookSettings.defaults();
    AdmissionHandler admissions = new AdmissionHandler(new PodMutator(settings)::mutateOwnCopy,
        (namespace, name) -> Optional.of(account), settings.annotationPrefix(), new KubernetesSerialization());
    ReloadingServerTls tls = new ReloadingServerTls(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    byte[] baseline = BASELINE.getBytes(StandardCharsets.UTF_8);
    WebhookServer server = new WebhookServer("127.0.0.1", 0, tls, admissions, () -> true, new WebhookMetrics(),
        Duration.ofSeconds(1), routes -> routes.post("/baseline", ctx -> {
          ctx.bodyAsBytes(); // read the review like /mutate does, then ignore it
          ctx.contentType("application/json").result(baseline);
        })).start();
    Files.writeString(dir.resolve("port.tmp"), String.valueOf(server.port()));
    Files.move(dir.resolve("port.tmp"), dir.resolve("port"));
    new CountDownLatch(1).await(); // until the driver destroys this process
  }
}
