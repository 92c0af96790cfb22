package dev.gcpwif.sidecar.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.sidecar.testing.RawHttp;
import dev.gcpwif.sidecar.testing.RawHttp.Response;
import dev.gcpwif.sidecar.testing.SidecarFixture;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Host check end to end, as a browser tricked by DNS rebinding would send it and as real clients send it. */
class HostHeaderTest {
  private static final String TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token";
  private static SidecarFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    fixture = SidecarFixture.builder().start().awaitReady();
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void aRequestForAnotherHostGets403AndNoMetadata() throws Exception {
    for (String path : List.of(TOKEN, "/computeMetadata/v1/project/project-id", "/", "/readyz",
        "/computeMetadata/v1/instance/service-accounts/default/email")) {
      Response response = get(path, "Host: rebound.evil.example:" + fixture.sidecar.port() + "\r\n");
      assertThat(response.statusLine()).as(path).startsWith("HTTP/1.1 403");
      assertThat(response.body()).as(path).contains("Host header")
          .doesNotContain("access_token").doesNotContain("my-project-42").doesNotContain("computeMetadata/");
      for (String issued : fixture.google.issuedAccessTokens) {
        assertThat(response.body()).doesNotContain(issued);
      }
    }
  }

  @Test
  void theNamesRealClientsSendAreServed() throws Exception {
    for (String host : List.of("127.0.0.1:" + fixture.sidecar.port(), "metadata.google.internal", "metadata",
        "localhost:" + fixture.sidecar.port(), "[::1]:" + fixture.sidecar.port())) {
      Response response = get(TOKEN, "Host: " + host + "\r\n");
      assertThat(response.statusLine()).as(host).startsWith("HTTP/1.1 200");
      assertThat(response.body()).as(host).contains("access_token");
    }
  }

  @Test
  void anHttp10RequestWithoutHostIsServed() throws Exception {
    try (Socket socket = RawHttp.connect(fixture.sidecar.port())) {
      socket.getOutputStream().write(("GET " + TOKEN + " HTTP/1.0\r\nMetadata-Flavor: Google\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      Response response = RawHttp.read(socket.getInputStream(), false);
      assertThat(response.statusLine()).startsWith("HTTP/1.1 200");
      assertThat(response.body()).contains("access_token");
    }
  }

  private static Response get(String path, String hostHeader) throws IOException {
    try (Socket socket = RawHttp.connect(fixture.sidecar.port())) {
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\n" + hostHeader
          + "Metadata-Flavor: Google\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      return RawHttp.read(socket.getInputStream(), false);
    }
  }
}
