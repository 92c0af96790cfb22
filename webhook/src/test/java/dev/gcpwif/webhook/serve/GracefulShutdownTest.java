package dev.gcpwif.webhook.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.testing.TestMutations;
import dev.gcpwif.webhook.testing.TestTls;
import dev.gcpwif.webhook.testing.TestTls.KeyKind;
import dev.gcpwif.webhook.tls.ReloadingServerTls;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GracefulShutdownTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  @TempDir Path dir;

  @Test
  void inFlightAdmissionCompletesWhenTheServerStops() throws Exception {
    TestTls testTls = new TestTls();
    TestTls.write(testTls.leaf(KeyKind.EC_PKCS8, "webhook"), KeyKind.EC_PKCS8, dir.resolve("c"), dir.resolve("k"));
    CountDownLatch admissionStarted = new CountDownLatch(1);
    var annotate = TestMutations.annotateWhenOptedIn();
    AdmissionHandler slow = new AdmissionHandler((pod, sa) -> {
      admissionStarted.countDown();
      sleep(1500);
      return annotate.apply(pod, sa);
    }, (ns, name) -> Optional.of(TestMutations.optedIn(ns, name)), "cloud.google.com", SERIALIZATION);

    try (ReloadingServerTls tls = new ReloadingServerTls(dir.resolve("c"), dir.resolve("k"))) {
      WebhookServer server = new WebhookServer("127.0.0.1", 0, tls, slow, () -> true, new WebhookMetrics(),
          Duration.ofSeconds(10)).start();
      String url = "https://localhost:" + server.port();
      OkHttpClient client = testTls.client();
      String body = WebhookServerTest.resource("pod-create-from-replicaset.json");

      CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
        try (Response response = client.newCall(new Request.Builder().url(url + "/mutate")
            .post(RequestBody.create(body.getBytes(StandardCharsets.UTF_8), MediaType.get("application/json")))
            .build()).execute()) {
          return response.code() + " " + response.body().string();
        } catch (IOException e) {
          return "failed: " + e;
        }
      });
      assertThat(admissionStarted.await(10, TimeUnit.SECONDS)).isTrue();

      long stopStarted = System.nanoTime();
      server.close(); // what the SIGTERM hook does after the shutdown delay
      long stopMillis = (System.nanoTime() - stopStarted) / 1_000_000;

      String result = inFlight.get(15, TimeUnit.SECONDS);
      assertThat(result).startsWith("200 ");
      assertThat(stopMillis).as("stop waited for the admission, not for the whole grace").isLessThan(8000);
      AdmissionReview review = SERIALIZATION.unmarshal(result.substring(4), AdmissionReview.class);
      assertThat(review.getResponse().getPatchType()).isEqualTo("JSONPatch");
      assertThatThrownBy(() -> testTls.client().newCall(new Request.Builder().url(url + "/healthz").build()).execute())
          .isInstanceOf(IOException.class);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
