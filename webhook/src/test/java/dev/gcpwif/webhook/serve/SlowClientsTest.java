package dev.gcpwif.webhook.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.testing.TestMutations;
import dev.gcpwif.webhook.testing.TestTls;
import dev.gcpwif.webhook.testing.TestTls.KeyKind;
import dev.gcpwif.webhook.tls.ReloadingServerTls;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attack from issue 10 on loopback: 300 connections dripping a request body (and a few dripping their headers)
 * while the kubelet probes and the API server keep calling. Bounded: each dripper sends 3 bytes a second for at most
 * the read timeout plus a margin, then is closed.
 */
class SlowClientsTest {
  private static final TestTls TLS = new TestTls();
  private static final int BODY_DRIPPERS = 300;
  private static final int HEADER_DRIPPERS = 20;
  /** An answer within this bound while the drippers hold their connections (the probes' default timeout is 1 s). */
  private static final Duration ANSWER_BOUND = Duration.ofSeconds(2);

  @TempDir Path dir;
  private ReloadingServerTls tls;
  private WebhookServer server;
  private final List<Dripper> drippers = new ArrayList<>();
  private final ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    drip.shutdownNow();
    drippers.forEach(Dripper::close);
    if (server != null) {
      server.close();
    }
    if (tls != null) {
      tls.close();
    }
  }

  @Test
  void drippingClientsAreCutAndNeitherProbesNorAdmissionsWait() throws Exception {
    TestTls.write(TLS.leaf(KeyKind.EC_PKCS8, "webhook"), KeyKind.EC_PKCS8, dir.resolve("c"), dir.resolve("k"));
    tls = new ReloadingServerTls(dir.resolve("c"), dir.resolve("k"));
    // The defaults serve uses: 10 s to read a request, 1 KiB/s minimum body rate.
    server = new WebhookServer("127.0.0.1", 0, tls, new AdmissionHandler(TestMutations.annotateWhenOptedIn(),
        (ns, name) -> Optional.of(TestMutations.optedIn(ns, name)), "cloud.google.com", new KubernetesSerialization()),
        () -> true, new WebhookMetrics(), Duration.ofSeconds(2)).start();
    Duration readTimeout = RequestLimits.DEFAULTS.readTimeout();
    OkHttpClient http = TLS.client().newBuilder().callTimeout(ANSWER_BOUND).build();
    String base = "https://localhost:" + server.port();
    // Warm up first: the bound below is about waiting behind slow clients, not about the first admission's class loading.
    try (Response warm = TLS.client().newCall(admission(base)).execute()) {
      assertThat(warm.code()).isEqualTo(200);
    }

    openDrippers();
    long dripStart = System.nanoTime();
    drip.scheduleAtFixedRate(() -> drippers.forEach(Dripper::drip), 1, 1, TimeUnit.SECONDS);
    Thread.sleep(2_500); // every body dripper is now blocked in its body, as in the report
    int handshakesRefused = BODY_DRIPPERS + HEADER_DRIPPERS - drippers.size();

    for (int i = 0; i < 3; i++) {
      long started = System.nanoTime();
      try (Response health = http.newCall(new Request.Builder().url(base + "/healthz").build()).execute()) {
        assertThat(health.code()).isEqualTo(200);
      }
      try (Response admission = http.newCall(admission(base)).execute()) {
        assertThat(admission.code()).isEqualTo(200);
        assertThat(admission.body().string()).contains("\"patchType\":\"JSONPatch\"");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(ANSWER_BOUND);
    }
    http.connectionPool().evictAll();
    assertThat(handshakesRefused).as("dripper connections that could not even complete TLS").isZero();

    // Every dripper is cut by the server, the body drippers by the minimum rate, the rest by the read timeout.
    long deadline = dripStart + readTimeout.plusSeconds(4).toNanos();
    while (System.nanoTime() < deadline && drippers.stream().anyMatch(d -> !d.cut())) {
      Thread.sleep(250);
    }
    assertThat(drippers.stream().filter(d -> !d.cut()).count()).as("connections still open").isZero();
    try (Response metrics = TLS.client().newCall(new Request.Builder().url(base + "/metrics").build()).execute()) {
      String text = metrics.body().string();
      assertThat(text).contains("webhook_request_body_too_slow_total " + BODY_DRIPPERS + "\n")
          .contains("webhook_connections_without_request_total " + HEADER_DRIPPERS + "\n");
    }
  }

  private static Request admission(String base) throws IOException {
    return new Request.Builder().url(base + "/mutate").post(RequestBody.create(
        WebhookServerTest.resource("pod-create-from-replicaset.json").getBytes(StandardCharsets.UTF_8),
        MediaType.get("application/json"))).build();
  }

  private void openDrippers() throws Exception {
    HandshakeCertificates trust = new HandshakeCertificates.Builder().addTrustedCertificate(TLS.caCertificate()).build();
    ExecutorService open = Executors.newFixedThreadPool(8);
    try {
      List<Future<Dripper>> opened = new ArrayList<>();
      for (int i = 0; i < BODY_DRIPPERS + HEADER_DRIPPERS; i++) {
        boolean body = i < BODY_DRIPPERS;
        opened.add(open.submit(() -> {
          SSLSocket socket = (SSLSocket) trust.sslSocketFactory().createSocket("127.0.0.1", server.port());
          socket.setSoTimeout(5_000);
          try {
            socket.startHandshake();
          } catch (SocketTimeoutException starved) {
            socket.close(); // counted below: the server had no thread left even for a handshake
            return null;
          }
          socket.setSoTimeout(1);
          String start = body
              ? "POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  + "Content-Length: 65536\r\n\r\n{\"a"
              : "POST /mutate HTTP/1.1\r\nHost: localhost\r\nX-Slow: a";
          Dripper dripper = new Dripper(socket);
          dripper.write(start);
          return dripper;
        }));
      }
      for (Future<Dripper> future : opened) {
        Dripper dripper = future.get(60, TimeUnit.SECONDS);
        if (dripper != null) {
          drippers.add(dripper);
        }
      }
    } finally {
      open.shutdownNow();
    }
  }

  /** One slow client: 3 bytes a second until the server answers or closes. */
  private static final class Dripper {
    private final SSLSocket socket;
    private volatile boolean cut;

    Dripper(SSLSocket socket) {
      this.socket = socket;
    }

    void write(String text) throws IOException {
      OutputStream out = socket.getOutputStream();
      out.write(text.getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }

    synchronized void drip() {
      if (cut) {
        return;
      }
      try {
        // Anything from the server (a 408, or end of stream) means it stopped waiting for this client.
        socket.getInputStream().read();
        cut = true;
        return;
      } catch (SocketTimeoutException stillWaiting) {
        // the server is still reading: drip on
      } catch (IOException closed) {
        cut = true;
        return;
      }
      try {
        write("aaa");
      } catch (IOException closed) {
        cut = true;
      }
    }

    boolean cut() {
      return cut;
    }

    void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
