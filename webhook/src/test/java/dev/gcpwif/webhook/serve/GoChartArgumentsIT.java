package dev.gcpwif.webhook.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.testsupport.Ports;
import dev.gcpwif.webhook.testing.ServeProcess;
import dev.gcpwif.webhook.testing.TestTls;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code webhook.jar serve} in its own JVM with the Go webhook's chart's default arguments, against fabric8's mock API
 * server: it admits on the Go path and on its own with the same patch, and its plain metrics and health listeners
 * answer where those arguments put them.
 */
@EnableKubernetesMockClient(crud = true)
class GoChartArgumentsIT {
  /**
   * The arguments the Go webhook's chart gives its container with its default values:
   * pfnet-research/gcp-workload-identity-federation-webhook, charts/gcp-workload-identity-federation-webhook/
   * templates/deployment.yaml renders these two, then {@code controllerManager.manager.args}, which values.yaml leaves
   * empty (every example in it is commented out).
   */
  static final List<String> GO_CHART_DEFAULT_ARGS =
      List.of("--health-probe-bind-address=:8081", "--metrics-bind-address=127.0.0.1:8080");

  private static final Pattern BIND = Pattern.compile("(--[a-z-]+-bind-address)=([^:]*):(\\d+)");
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  KubernetesClient client;
  @TempDir Path dir;
  private final TestTls tls = new TestTls();
  private ServeProcess webhook;

  @AfterEach
  void stopWebhook() throws Exception {
    if (webhook != null) {
      webhook.close();
    }
  }

  @Test
  void theGoChartsDefaultArgumentsAdmitOnBothPathsAndOpenTheMetricsAndHealthListeners() throws Exception {
    client.serviceAccounts().inNamespace("payments").resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("billing").withNamespace("payments").addToAnnotations("cloud.google.com/workload-identity-provider",
            "projects/123456789/locations/global/workloadIdentityPools/onprem/providers/cluster-a")
        .endMetadata().build()).create();
    int healthPort = Ports.free();
    int metricsPort = Ports.free();
    List<String> goArgs = onLoopback(GO_CHART_DEFAULT_ARGS, List.of(healthPort, metricsPort));
    // What the Go binary finds without flags (its serving pair in a fixed directory, the in-cluster API server),
    // serve is told (ServeProcess); and a loopback HTTPS port for this machine.
    webhook = ServeProcess.start(tls, client.getMasterUrl().toString(), dir, List.of(), Map.of(), goArgs);
    int httpsPort = webhook.port;
    OkHttpClient https = tls.client();
    OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(20)).build();
    String base = "https://localhost:" + httpsPort;
    String health = "http://127.0.0.1:" + healthPort;
    String metrics = "http://127.0.0.1:" + metricsPort;
    webhook.awaitReady(() -> get(http, health + "/readyz").startsWith("200"));

    String review = WebhookServerTest.resource("pod-create-from-replicaset.json");
    JsonNode onGoPath = admit(https, base + "/mutate-v1-pod", review);
    JsonNode onOwnPath = admit(https, base + "/mutate", review);

    assertThat(onGoPath.path("allowed").asBoolean()).as("%s", onGoPath).isTrue();
    assertThat(onGoPath.path("patchType").asString()).isEqualTo("JSONPatch");
    assertThat(onGoPath.path("patch").asString()).isNotEmpty().isEqualTo(onOwnPath.path("patch").asString());
    assertThat(onOwnPath).isEqualTo(onGoPath);

    assertThat(get(http, health + "/healthz")).isEqualTo("200 ok\n");
    assertThat(get(http, health + "/readyz")).isEqualTo("200 ok\n");
    String scraped = get(http, metrics + "/metrics");
    assertThat(scraped).startsWith("200 ").contains("webhook_admissions_total{").contains("outcome=\"mutated\"");
    assertThat(get(https, base + "/metrics")).startsWith("200 ").contains("webhook_admissions_total{");
    // Each plain listener serves its own paths only, and never the admission.
    assertThat(get(http, health + "/metrics")).startsWith("404");
    assertThat(get(http, metrics + "/readyz")).startsWith("404");
    assertThat(status(http, metrics + "/mutate-v1-pod", review)).isEqualTo(404);
    assertThat(webhook.log()).doesNotContain("warning:").contains("listening on http://127.0.0.1:" + metricsPort)
        .contains("listening on http://127.0.0.1:" + healthPort);

    // SIGTERM, as the kubelet sends it: every listener is released and serve ends its shutdown.
    webhook.process.destroy();
    assertThat(webhook.process.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s; log:\n%s", webhook.log()).isTrue();
    assertThat(webhook.log()).contains("stopped").doesNotContain("did not finish").doesNotContain("stopping http://");
  }

  /**
   * The Go chart's addresses with a free port each and {@code 127.0.0.1} for an empty host: {@code :8081} would
   * listen on every interface, which tests here must not, and fixed ports collide with whatever else runs on the
   * machine. The flags and their HOST:PORT form stay as the chart writes them.
   */
  private static List<String> onLoopback(List<String> args, List<Integer> ports) {
    List<String> rewritten = new ArrayList<>();
    int next = 0;
    for (String arg : args) {
      Matcher bind = BIND.matcher(arg);
      assertThat(bind.matches()).as(arg).isTrue();
      String host = bind.group(2).isEmpty() ? "127.0.0.1" : bind.group(2);
      assertThat(host).isEqualTo("127.0.0.1");
      rewritten.add(bind.group(1) + "=" + host + ":" + ports.get(next++));
    }
    return rewritten;
  }

  private static JsonNode admit(OkHttpClient client, String url, String review) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url)
        .post(RequestBody.create(review.getBytes(StandardCharsets.UTF_8), JSON_TYPE)).build()).execute()) {
      assertThat(response.code()).as(url).isEqualTo(200);
      return JSON.readTree(response.body().string()).path("response");
    }
  }

  private static int status(OkHttpClient client, String url, String body) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url)
        .post(RequestBody.create(body.getBytes(StandardCharsets.UTF_8), JSON_TYPE)).build()).execute()) {
      return response.code();
    }
  }

  private static String get(OkHttpClient client, String url) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
      return response.code() + " " + response.body().string();
    }
  }
}
