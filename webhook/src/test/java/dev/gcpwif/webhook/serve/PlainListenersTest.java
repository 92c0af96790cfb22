package dev.gcpwif.webhook.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.testing.TestMutations;
import dev.gcpwif.webhook.testing.TestTls;
import dev.gcpwif.webhook.testing.TestTls.KeyKind;
import dev.gcpwif.webhook.tls.ReloadingServerTls;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Go webhook's plain metrics and health listeners, beside a real HTTPS server, on loopback. */
class PlainListenersTest {
  private static final TestTls TLS = new TestTls();
  /** Short, so that the slow clients below are cut within the test; serve's default is 10 s. */
  private static final RequestLimits LIMITS = RequestLimits.DEFAULTS.withTimeouts(Duration.ofSeconds(3),
      Duration.ofSeconds(30));
  /** Well above the drippers' count would be a thread each; the listener has 8. */
  private static final int DRIPPERS = 40;
  private static final Duration ANSWER_BOUND = Duration.ofSeconds(2);

  @TempDir Path dir;
  private final AtomicBoolean synced = new AtomicBoolean();
  private ReloadingServerTls tls;
  private WebhookServer server;
  private PlainListeners plain;
  private final List<Socket> drippers = new ArrayList<>();
  private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(ANSWER_BOUND).build();

  @AfterEach
  void stop() throws IOException {
    for (Socket socket : drippers) {
      socket.close();
    }
    if (plain != null) {
      plain.close();
    }
    if (server != null) {
      server.close();
    }
    if (tls != null) {
      tls.close();
    }
  }

  private void start(Optional<GoBindAddress> metrics, Optional<GoBindAddress> health) throws Exception {
    TestTls.write(TLS.leaf(KeyKind.EC_PKCS8, "webhook"), KeyKind.EC_PKCS8, dir.resolve("c"), dir.resolve("k"));
    tls = new ReloadingServerTls(dir.resolve("c"), dir.resolve("k"));
    server = new WebhookServer("127.0.0.1", 0, tls, new AdmissionHandler(TestMutations.annotateWhenOptedIn(),
        (ns, name) -> Optional.of(TestMutations.optedIn(ns, name)), "cloud.google.com", new KubernetesSerialization()),
        synced::get, new WebhookMetrics(), Duration.ofSeconds(2), LIMITS).start();
    plain = server.plainListeners(metrics, health);
    plain.start();
  }

  private static Optional<GoBindAddress> loopback() {
    return Optional.of(new GoBindAddress("127.0.0.1", 0));
  }

  @Test
  void theMetricsListenerServesTheHttpsMetricsAndNothingElse() throws Exception {
    start(loopback(), Optional.empty());
    String url = "http://127.0.0.1:" + plain.ports().get(0);

    String overHttps = get(TLS.client(), "https://localhost:" + server.port() + "/metrics", 200);
    String overHttp = get(http, url + "/metrics", 200);

    assertThat(metricNames(overHttp)).isEqualTo(metricNames(overHttps)).contains("# TYPE webhook_admissions_total counter");
    get(http, url + "/healthz", 404);
    assertThat(post(url + "/mutate", "{}")).isEqualTo(404);
    assertThat(post(url + "/mutate-v1-pod", "{}")).isEqualTo(404);
  }

  @Test
  void theHealthListenerAnswersAsTheHttpsProbesDoReadinessIncluded() throws Exception {
    start(Optional.empty(), loopback());
    String url = "http://127.0.0.1:" + plain.ports().get(0);

    assertThat(get(http, url + "/healthz", 200)).isEqualTo("ok\n");
    assertThat(get(http, url + "/readyz", 503)).isEqualTo("ServiceAccount cache not synced yet\n");
    synced.set(true);
    assertThat(get(http, url + "/readyz", 200)).isEqualTo("ok\n");
    server.markStopping();
    assertThat(get(http, url + "/readyz", 503)).isEqualTo("shutting down\n");
    assertThat(get(TLS.client(), "https://localhost:" + server.port() + "/readyz", 503)).isEqualTo("shutting down\n");
    get(http, url + "/metrics", 404);
  }

  @Test
  void aPortInUseIsAOneLineReasonAndTheListenersStartedAreStopped() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      int metricsPort;
      try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
        metricsPort = free.getLocalPort();
      }
      Optional<GoBindAddress> metrics = Optional.of(new GoBindAddress("127.0.0.1", metricsPort));
      Optional<GoBindAddress> health = Optional.of(new GoBindAddress("127.0.0.1", port));

      assertThatThrownBy(() -> start(metrics, health)).isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("cannot listen on 127.0.0.1:" + port + " for health probes: ")
          .hasMessageNotContaining("\n");
      // The metrics listener, started first, is closed again.
      assertThatThrownBy(() -> new Socket("127.0.0.1", metricsPort).close()).isInstanceOf(java.net.ConnectException.class);
    }
  }

  @Test
  void aLargeBodyIsRefusedBeforeItIsRead() throws Exception {
    start(loopback(), loopback());

    for (int port : plain.ports()) {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket.setSoTimeout(5_000);
        socket.getOutputStream().write(("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: " + (64 << 20)
            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String status = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        assertThat(status).isEqualTo("HTTP/1.1 413");
      }
    }
  }

  @Test
  void slowClientsOnAPlainListenerAreCutAndStarveNeitherItNorHttps() throws Exception {
    start(loopback(), loopback());
    synced.set(true);
    int health = plain.ports().get(1);
    OkHttpClient https = TLS.client().newBuilder().callTimeout(ANSWER_BOUND).build();
    // Warm up with the default client's longer timeout: the bound below is about slow clients, not class loading.
    get(TLS.client(), "https://localhost:" + server.port() + "/readyz", 200);
    post(TLS.client(), "https://localhost:" + server.port() + "/mutate",
        WebhookServerTest.resource("pod-create-from-replicaset.json"));
    get(new OkHttpClient(), "http://127.0.0.1:" + health + "/readyz", 200);

    for (int i = 0; i < DRIPPERS; i++) {
      Socket socket = new Socket("127.0.0.1", health);
      socket.setSoTimeout(1);
      drippers.add(socket);
      // Half send their headers a byte at a time, half a body promised at 8 KiB that never comes.
      String start = i % 2 == 0 ? "GET /readyz HTTP/1.1\r\nHost: x\r\nX-Slow: a"
          : "POST /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 8192\r\n\r\na";
      socket.getOutputStream().write(start.getBytes(StandardCharsets.US_ASCII));
    }
    long started = System.nanoTime();
    long deadline = started + LIMITS.readTimeout().plusSeconds(5).toNanos();
    int stillOpen = DRIPPERS;
    while (stillOpen > 0 && System.nanoTime() < deadline) {
      long round = System.nanoTime();
      assertThat(get(http, "http://127.0.0.1:" + health + "/readyz", 200)).isEqualTo("ok\n");
      assertThat(post(https, "https://localhost:" + server.port() + "/mutate",
          WebhookServerTest.resource("pod-create-from-replicaset.json"))).isEqualTo(200);
      assertThat(Duration.ofNanos(System.nanoTime() - round)).isLessThan(ANSWER_BOUND);
      stillOpen = 0;
      for (Socket socket : drippers) {
        if (!cut(socket)) {
          stillOpen++;
        }
      }
      Thread.sleep(500);
    }
    assertThat(stillOpen).as("drippers still connected %s after they started",
        Duration.ofNanos(System.nanoTime() - started)).isZero();
  }

  /** Drips one more byte; true once the server has answered (a 408) or closed the connection. */
  private static boolean cut(Socket socket) {
    if (socket.isClosed()) {
      return true;
    }
    try {
      socket.getInputStream().read(); // a byte of an answer, or the end of the stream
      socket.close();
      return true;
    } catch (SocketTimeoutException stillWaiting) {
      try {
        OutputStream out = socket.getOutputStream();
        out.write('a');
        out.flush();
        return false;
      } catch (IOException closed) {
        return true;
      }
    } catch (IOException closed) {
      return true;
    }
  }

  private static String get(OkHttpClient client, String url, int expectedStatus) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
      assertThat(response.code()).as(url).isEqualTo(expectedStatus);
      return response.body().string();
    }
  }

  private int post(String url, String body) throws IOException {
    return post(http, url, body);
  }

  private static int post(OkHttpClient client, String url, String body) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url)
        .post(RequestBody.create(body.getBytes(StandardCharsets.UTF_8), MediaType.get("application/json"))).build())
        .execute()) {
      return response.code();
    }
  }

  private static List<String> metricNames(String text) {
    return text.lines().filter(line -> line.startsWith("# TYPE ")).collect(Collectors.toList());
  }
}
