package dev.gcpwif.webhook.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.serviceaccount.InformerServiceAccounts;
import dev.gcpwif.webhook.testing.TestMutations;
import dev.gcpwif.webhook.testing.TestTls;
import dev.gcpwif.webhook.testing.TestTls.KeyKind;
import dev.gcpwif.webhook.tls.ReloadingServerTls;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server wired to a real informer against fabric8's mock API server, as {@code serve} wires it. */
@EnableKubernetesMockClient(crud = true)
class ReadinessFollowsInformerTest {
  KubernetesClient client;
  @TempDir Path dir;

  @Test
  void readyzTurnsReadyAfterSyncAndAdmissionsSeeAccountsCreatedLater() throws Exception {
    TestTls testTls = new TestTls();
    TestTls.write(testTls.leaf(KeyKind.EC_PKCS8, "webhook"), KeyKind.EC_PKCS8, dir.resolve("c"), dir.resolve("k"));
    KubernetesSerialization serialization = new KubernetesSerialization();
    try (ReloadingServerTls tls = new ReloadingServerTls(dir.resolve("c"), dir.resolve("k"));
        InformerServiceAccounts accounts = new InformerServiceAccounts(client, Duration.ofMinutes(10));
        WebhookServer server = new WebhookServer("127.0.0.1", 0, tls,
            new AdmissionHandler(TestMutations.annotateWhenOptedIn(), accounts, "cloud.google.com", serialization),
            accounts::hasSynced, new WebhookMetrics(), Duration.ofSeconds(5)).start()) {
      OkHttpClient http = testTls.client();
      String base = "https://localhost:" + server.port();

      assertThat(status(http, base + "/readyz")).isEqualTo(503);
      accounts.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> status(http, base + "/readyz") == 200);

      client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "billing")).create();
      String body = WebhookServerTest.resource("pod-create-from-replicaset.json");
      try (Response response = http.newCall(new Request.Builder().url(base + "/mutate")
          .post(RequestBody.create(body.getBytes(StandardCharsets.UTF_8), MediaType.get("application/json")))
          .build()).execute()) {
        AdmissionReview review = serialization.unmarshal(response.body().string(), AdmissionReview.class);
        assertThat(review.getResponse().getPatchType()).as("the account just created was found").isEqualTo("JSONPatch");
      }
      http.connectionPool().evictAll();
    }
  }

  private static int status(OkHttpClient http, String url) throws Exception {
    try (Response response = http.newCall(new Request.Builder().url(url).build()).execute()) {
      return response.code();
    }
  }
}
