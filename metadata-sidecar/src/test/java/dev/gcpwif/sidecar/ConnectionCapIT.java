package dev.gcpwif.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.sidecar.testing.RawHttp;
import dev.gcpwif.testsupport.FakeGoogle;
import dev.gcpwif.testsupport.SidecarProcess;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections beyond the sidecar's cap are closed at once and the sidecar keeps serving: a process of the pod that
 * opens too many connections must not make the sidecar run out of heap and exit (2,000 at once did, before the cap;
 * BENCHMARKS.md). The cap is lowered here through the same system property an operator would set, so that the test
 * needs a few file descriptors, not thousands.
 */
class ConnectionCapIT {
  private static final int CAP = 8;

  @TempDir Path dir;

  @Test
  void connectionsBeyondTheCapAreClosedAndTheSidecarKeepsServing() throws Exception {
    assertCapHolds(List.of("@jvm.options", "-Djdk.httpserver.maxConnections=" + CAP), CAP);
  }

  private void assertCapHolds(List<String> jvm, int cap) throws Exception {
    try (FakeGoogle google = new FakeGoogle();
        SidecarProcess sidecar = SidecarProcess.start(google, Files.createDirectories(dir.resolve("run-" + cap)), jvm)) {
      sidecar.awaitOk("/readyz", Duration.ofSeconds(60));
      List<Socket> held = new ArrayList<>();
      int refused = 0;
      try {
        // awaitOk's polls may still hold kept-alive connections (one, or a few on a loaded machine where a poll timed
        // out and the next opened another): the cap is reached a few connections early.
        for (int i = 0; i < cap + 2; i++) {
          Socket socket = RawHttp.connect(sidecar.port);
          String status = get(socket);
          if (status.startsWith("HTTP/1.1 200")) {
            held.add(socket);
          } else {
            assertThat(status).as("a connection beyond the cap is closed without an answer").isEmpty();
            socket.close();
            refused++;
          }
        }
        assertThat(held.size()).isBetween(cap - 3, cap);
        assertThat(refused).isEqualTo(cap + 2 - held.size());
        for (Socket socket : held) {
          assertThat(get(socket)).as("held connections still work").startsWith("HTTP/1.1 200");
        }
      } finally {
        for (Socket socket : held) {
          socket.close();
        }
      }
      sidecar.awaitOk("/healthz", Duration.ofSeconds(10));
      assertThat(sidecar.process.isAlive()).isTrue();
    }
  }

  /**
   * The default: a few times what the real clients open at once (BENCHMARKS.md), above the slow connections
   * SlowClientsTest holds, and small enough that the heap sized for it holds every open connection's buffers. The
   * connections wait on a slow token exchange, so that none is idle (the JDK closes idle connections beyond its own
   * 200 after their answer, which would hide the cap).
   */
  @Test
  void theDefaultCapIs256ConnectionsWaitingAtOnce() throws Exception {
    int cap = 256;
    try (FakeGoogle google = new FakeGoogle();
        SidecarProcess sidecar = SidecarProcess.start(google, Files.createDirectories(dir.resolve("default")),
            List.of("@jvm.options"))) {
      sidecar.awaitOk("/readyz", Duration.ofSeconds(60));
      google.stsDelay(Duration.ofSeconds(3));
      byte[] coldToken = ("GET /computeMetadata/v1/instance/service-accounts/default/token?scopes=cold HTTP/1.1\r\n"
          + "Host: 127.0.0.1\r\nMetadata-Flavor: Google\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      List<Socket> clients = new ArrayList<>();
      try {
        for (int i = 0; i < cap + 8; i++) {
          Socket socket = RawHttp.connect(sidecar.port);
          socket.setSoTimeout(30_000);
          clients.add(socket);
          try {
            socket.getOutputStream().write(coldToken);
          } catch (IOException closedAtOnce) {
            // beyond the cap: read below finds it closed
          }
        }
        int answered = 0;
        int closedUnanswered = 0;
        for (Socket socket : clients) {
          String status;
          try {
            status = RawHttp.read(socket.getInputStream(), false).statusLine();
          } catch (IOException closed) {
            status = "";
          }
          if (status.startsWith("HTTP/1.1 200")) {
            answered++;
          } else {
            assertThat(status).as("a connection beyond the cap is closed without an answer").isEmpty();
            closedUnanswered++;
          }
        }
        // awaitOk's polls may still hold a kept-alive connection or a few
        assertThat(answered).isBetween(cap - 3, cap);
        assertThat(closedUnanswered).isEqualTo(cap + 8 - answered);
      } finally {
        for (Socket socket : clients) {
          socket.close();
        }
      }
      sidecar.awaitOk("/healthz", Duration.ofSeconds(10));
    }
  }

  /** GET /healthz on a kept-alive connection; returns the status line, empty when the server closed it unanswered. */
  private static String get(Socket socket) {
    try {
      socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      return RawHttp.read(socket.getInputStream(), false).statusLine();
    } catch (IOException closed) {
      return "";
    }
  }
}
