package dev.gcpwif.sidecar.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gcpwif.sidecar.testing.RawHttp;
import dev.gcpwif.sidecar.testing.SidecarFixture;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Clients waiting for a token that is being fetched hold a connection, not a server thread: the answers are written
 * when the one exchange in flight completes. Before, each waiting client held a worker thread (and its stack) for
 * as long as Google took, so a burst of cold clients grew the pool to its maximum.
 */
class TokenWaitersTest {
  private static final int WAITERS = 64;
  private static final String COLD_TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token"
      + "?scopes=https://www.googleapis.com/auth/devstorage.read_only";

  @Test
  void clientsWaitingOnOneFetchHoldNoWorkerThreadAndAreAllAnsweredFromIt() throws Exception {
    List<Socket> clients = new ArrayList<>();
    try (SidecarFixture fixture = SidecarFixture.builder().start().awaitReady()) {
      int exchangesBefore = fixture.google.stsRequests.size();
      fixture.google.stsDelay(Duration.ofSeconds(3));
      byte[] request = ("GET " + COLD_TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nMetadata-Flavor: Google\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < WAITERS; i++) {
        Socket socket = RawHttp.connect(fixture.sidecar.port());
        socket.setSoTimeout(20_000);
        socket.getOutputStream().write(request);
        clients.add(socket);
      }
      // Every request has been read once the exchange started; the STS answer is still seconds away.
      await().atMost(Duration.ofSeconds(10)).until(() -> fixture.google.stsRequests.size() > exchangesBefore);
      Thread.sleep(300);
      assertThat(fixture.google.stsRequests.size() - exchangesBefore).isEqualTo(1);
      assertThat(workerThreads())
          .as("worker threads while %d clients wait for the token", WAITERS)
          .isLessThan(WAITERS / 4);

      for (Socket socket : clients) {
        RawHttp.Response response = RawHttp.read(socket.getInputStream(), false);
        assertThat(response.statusLine()).startsWith("HTTP/1.1 200");
        assertThat(response.body()).contains("access_token");
      }
      assertThat(fixture.google.stsRequests.size() - exchangesBefore).isEqualTo(1);
    } finally {
      for (Socket socket : clients) {
        socket.close();
      }
    }
  }

  private static long workerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.isAlive() && thread.getName().startsWith("metadata-http")).count();
  }
}
