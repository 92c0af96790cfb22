package dev.gcpwif.sidecar.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.sidecar.testing.RawHttp;
import dev.gcpwif.sidecar.testing.SidecarFixture;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Slow clients, on loopback, against both the metadata port and the probe port: each port gets connections that send
 * one byte and then nothing, and connections that drip a byte a second. Neither kind may keep a token request or the
 * liveness probe waiting (the kubelet restarts a sidecar whose /healthz does not answer), and the server must close
 * them after its request-head deadline instead of holding them for as long as the client likes.
 */
class SlowClientsTest {
  private static final int PER_KIND_PER_PORT = 64;
  private static final String TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token";
  /** The deadline is a few seconds; closing must follow within a bound well above it (timer ticks, a busy CI host). */
  private static final Duration CLOSED_WITHIN = Duration.ofSeconds(20);

  @Test
  void slowConnectionsToEveryPortLeaveTokensAndProbesAnsweringAndAreClosed() throws Exception {
    List<Socket> slow = new ArrayList<>();
    List<Socket> dripping = new ArrayList<>();
    ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();
    try (SidecarFixture fixture = SidecarFixture.builder().healthPort(0).start().awaitReady()) {
      int metadataPort = fixture.sidecar.port();
      int healthPort = fixture.sidecar.healthPort().getAsInt();
      for (int port : new int[] {metadataPort, healthPort}) {
        for (int i = 0; i < PER_KIND_PER_PORT; i++) {
          Socket oneByte = RawHttp.connect(port);
          oneByte.getOutputStream().write('G');
          slow.add(oneByte);
          Socket dripper = RawHttp.connect(port);
          dripper.getOutputStream().write('G');
          dripping.add(dripper);
        }
      }
      // A byte a second on every dripping connection: "ET /healthz HTTP/1.1..." never completes in the test's time.
      drip.scheduleAtFixedRate(() -> {
        for (Socket socket : dripping) {
          try {
            socket.getOutputStream().write('E');
          } catch (IOException closedByServer) {
            // expected once the server gives up on it
          }
        }
      }, 1, 1, TimeUnit.SECONDS);
      // let the server see every first byte, so that each slow connection is in its request state
      Thread.sleep(500);

      for (int round = 0; round < 3; round++) {
        assertAnsweredWithinOneSecond(metadataPort, "GET " + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Metadata-Flavor: Google\r\nConnection: close\r\n\r\n", "access_token");
        assertAnsweredWithinOneSecond(healthPort,
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", "ok");
        Thread.sleep(1000);
      }

      long deadline = System.nanoTime() + CLOSED_WITHIN.toNanos();
      List<Socket> all = new ArrayList<>(slow);
      all.addAll(dripping);
      for (Socket socket : all) {
        assertThat(closedByServer(socket, deadline))
            .as("slow connection to port %d closed by the server within %s", socket.getPort(), CLOSED_WITHIN)
            .isTrue();
      }
    } finally {
      drip.shutdownNow();
      for (Socket socket : slow) {
        socket.close();
      }
      for (Socket socket : dripping) {
        socket.close();
      }
    }
  }

  private static void assertAnsweredWithinOneSecond(int port, String request, String bodyPart) throws IOException {
    long started = System.nanoTime();
    try (Socket socket = RawHttp.connect(port)) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      RawHttp.Response response;
      try {
        response = RawHttp.read(socket.getInputStream(), false);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no answer on port " + port + " within 5 s", e);
      }
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(response.statusLine()).as("port %d", port).startsWith("HTTP/1.1 200");
      assertThat(response.body()).contains(bodyPart);
      assertThat(millis).as("answer time on port %d, ms", port).isLessThan(1000);
    }
  }

  /** True when the server closes the connection (end of stream or reset) before the deadline. */
  private static boolean closedByServer(Socket socket, long deadlineNanos) throws IOException {
    InputStream in = socket.getInputStream();
    while (true) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
      if (left <= 0) {
        return false;
      }
      socket.setSoTimeout((int) Math.max(1, left));
      try {
        if (in.read() < 0) {
          return true;
        }
        // an error answer before closing is fine; keep reading to the end
      } catch (SocketTimeoutException stillOpen) {
        return false;
      } catch (IOException reset) {
        return true;
      }
    }
  }
}
