package dev.gcpwif.sidecar.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gcpwif.sidecar.testing.SidecarFixture;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** --health-port: the kubelet's probes reach the pod IP, and nothing but the probes is served there. */
class HealthPortTest {
  private static final List<String> METADATA_PATHS = List.of(
      "/",
      "/computeMetadata/",
      "/computeMetadata/v1/",
      "/computeMetadata/v1/?recursive=true",
      "/computeMetadata/v1/instance/service-accounts/",
      "/computeMetadata/v1/instance/service-accounts/default/?recursive=true",
      "/computeMetadata/v1/instance/service-accounts/default/token",
      "/computeMetadata/v1/instance/service-accounts/default/token?scopes=https://www.googleapis.com/auth/devstorage.read_only",
      "/computeMetadata/v1/instance/service-accounts/default/identity?audience=https://example.test",
      "/computeMetadata/v1/project/project-id",
      "/healthz/../computeMetadata/v1/instance/service-accounts/default/token",
      "/readyz/",
      "/healthz%2F..%2FcomputeMetadata%2Fv1%2Finstance%2Fservice-accounts%2Fdefault%2Ftoken",
      "//computeMetadata/v1/instance/service-accounts/default/token");

  private static SidecarFixture fixture;
  private static String probeHost;
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    fixture = SidecarFixture.builder().healthPort(0).start();
    probeHost = nonLoopbackAddress().map(InetAddress::getHostAddress).orElse("127.0.0.1");
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void probesAnswerOnANonLoopbackAddressWithoutTheMetadataFlavorHeader() throws Exception {
    HttpResponse<String> health = send("GET", probeUrl("/healthz"), "Metadata-Flavor", "Google");
    assertThat(health.statusCode()).as(probeHost).isEqualTo(200);
    assertThat(health.body()).isEqualTo("ok\n");

    // the first exchange runs in the background after start
    await().atMost(Duration.ofSeconds(10)).until(() -> probe("/readyz").statusCode() == 200);
    HttpResponse<String> ready = probe("/readyz");
    assertThat(ready.body()).isEqualTo("ok\n");
    assertThat(fixture.google.issuedAccessTokens).as("readiness means a token is held").isNotEmpty();
  }

  @Test
  void everyMetadataPathIsNotFoundOnTheProbePortEvenWithTheFlavorHeader() throws Exception {
    // a token is cached: a leak would show up in a body below
    assertThat(fixture.metadata("/computeMetadata/v1/instance/service-accounts/default/token").statusCode()).isEqualTo(200);
    for (String path : METADATA_PATHS) {
      for (HttpResponse<String> response : List.of(probe(path),
          send("GET", probeUrl(path), "Metadata-Flavor", "Google"))) {
        assertThat(response.statusCode()).as(path).isEqualTo(404);
        assertThat(response.headers().firstValue("Metadata-Flavor")).as(path).isEmpty();
        assertNoToken(response.body());
      }
    }
  }

  @Test
  void onlyGetIsAnsweredOnTheProbePort() throws Exception {
    for (String method : List.of("POST", "PUT", "DELETE")) {
      HttpResponse<String> response = send(method, probeUrl("/healthz"));
      assertThat(response.statusCode()).as(method).isEqualTo(404);
    }
  }

  @Test
  void metadataListenerStaysOnLoopbackAndKeepsServing() throws Exception {
    assertThat(fixture.sidecar.ports()).hasSize(1).doesNotContain(fixture.sidecar.healthPort().getAsInt());
    assertThat(fixture.metadata("/computeMetadata/v1/project/numeric-project-id").body()).isEqualTo("123456789012");
    Optional<InetAddress> external = nonLoopbackAddress();
    if (external.isPresent()) {
      String url = "http://" + external.get().getHostAddress() + ":" + fixture.sidecar.port() + "/healthz";
      assertThatThrownBy(() -> send("GET", url)).isInstanceOf(ConnectException.class);
    }
  }

  private static void assertNoToken(String body) {
    for (List<String> issued : List.of(fixture.google.issuedAccessTokens, fixture.google.issuedFederatedTokens,
        fixture.google.issuedIdTokens)) {
      for (String token : issued) {
        assertThat(body).doesNotContain(token);
      }
    }
    assertThat(body).doesNotContain(SidecarFixture.SUBJECT_TOKEN).doesNotContain("access_token");
  }

  private static HttpResponse<String> probe(String path) throws IOException, InterruptedException {
    return send("GET", probeUrl(path));
  }

  private static String probeUrl(String path) {
    return "http://" + probeHost + ":" + fixture.sidecar.healthPort().getAsInt() + path;
  }

  private static HttpResponse<String> send(String method, String url, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** An IPv4 address of this machine's network interfaces other than loopback, as a pod IP would be. */
  private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
    return NetworkInterface.networkInterfaces()
        .filter(nic -> {
          try {
            return nic.isUp() && !nic.isLoopback();
          } catch (SocketException e) {
            return false;
          }
        })
        .flatMap(NetworkInterface::inetAddresses)
        .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress())
        .findFirst();
  }
}
