package dev.gcpwif.sidecar.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.sidecar.testing.RawHttp;
import dev.gcpwif.sidecar.testing.RawHttp.Response;
import dev.gcpwif.sidecar.testing.SidecarFixture;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the raw connection sees: keep-alive after refusals and bodies, HEAD, empty segments, limits. */
class ConnectionHandlingTest {
  private static final String TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token";
  private static SidecarFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    fixture = SidecarFixture.builder().start();
    fixture.awaitReady();
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void aRefusedRequestWithABodyLeavesTheKeepAliveConnectionUsable() throws Exception {
    try (Socket socket = connect()) {
      byte[] body = "x".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
      String post = "POST " + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nMetadata-Flavor: Google\r\nContent-Length: "
          + body.length + "\r\n\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(post.getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      Response refused = RawHttp.read(in, false);
      assertThat(refused.statusLine()).startsWith("HTTP/1.1 405");
      assertThat(refused.head()).containsIgnoringCase("allow: GET, HEAD").containsIgnoringCase("metadata-flavor: Google");

      out.write(("GET " + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nMetadata-Flavor: Google\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      Response token = RawHttp.read(in, false);
      assertThat(token.statusLine()).startsWith("HTTP/1.1 200");
      assertThat(token.body()).contains("access_token");
    }
  }

  @Test
  void headIsAnsweredWithTheStatusOfGetAndNoBody() throws Exception {
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      out.write(("HEAD /computeMetadata/v1/no-such HTTP/1.1\r\nHost: 127.0.0.1\r\nMetadata-Flavor: Google\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      assertThat(RawHttp.read(in, true).statusLine()).startsWith("HTTP/1.1 404");
      out.write(("HEAD " + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      Response refused = RawHttp.read(in, true);
      assertThat(refused.statusLine()).startsWith("HTTP/1.1 403");
      // the next response starts right after the header block: no body was sent for HEAD
      out.write(("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      assertThat(RawHttp.read(in, false).body()).isEqualTo("ok\n");
    }
  }

  @Test
  void emptySegmentsAndEncodedNamesDoNotReachTheToken() throws Exception {
    for (String path : new String[] {"/computeMetadata/v1/instance/service-accounts/default//token",
        "/computeMetadata//v1/instance/service-accounts/default/token",
        "/computeMetadata/v1/instance/service-accounts/default/%74oken",
        "/computeMetadata/v1/instance/service-accounts%2Fdefault/token",
        "/computeMetadata/v1/instance/service-accounts/default/x/%2e%2e/token"}) {
      var response = fixture.metadata(path);
      assertThat(response.statusCode()).as(path).isEqualTo(404);
      assertThat(response.body()).as(path).doesNotContain("access_token");
    }
  }

  @Test
  void aMalformedEscapeIsRefusedByTheServerBeforeAnyRoute() throws Exception {
    try (Socket socket = connect()) {
      socket.getOutputStream().write(("GET " + TOKEN + "?scopes=%Z1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Metadata-Flavor: Google\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      Response response = RawHttp.read(new BufferedInputStream(socket.getInputStream()), false);
      assertThat(response.statusLine()).startsWith("HTTP/1.1 400");
      assertThat(response.body()).contains("URISyntaxException").doesNotContain("access_token");
    }
  }

  @Test
  void anOversizedRequestHeadIsCutOffAndOthersAreStillServed() throws Exception {
    try (Socket socket = connect()) {
      String huge = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: "
          + "p".repeat(ServerLimits.MAX_REQUEST_HEADER_BYTES + 1) + "\r\n\r\n";
      try {
        socket.getOutputStream().write(huge.getBytes(StandardCharsets.US_ASCII));
      } catch (IOException closedWhileWriting) {
        // the server may close before the whole head is sent
      }
      assertThat(socket.getInputStream().read()).as("connection closed without an answer").isEqualTo(-1);
    } catch (java.net.SocketException reset) {
      assertThat(reset.getMessage()).containsIgnoringCase("reset");
    }
    assertThat(fixture.get("/healthz").statusCode()).isEqualTo(200);
  }

  private static Socket connect() throws IOException {
    return RawHttp.connect(fixture.sidecar.port());
  }
}
