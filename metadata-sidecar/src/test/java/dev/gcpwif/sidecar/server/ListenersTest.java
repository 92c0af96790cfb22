package dev.gcpwif.sidecar.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.sidecar.Sidecar;
import dev.gcpwif.sidecar.config.ListenAddress;
import dev.gcpwif.sidecar.config.SidecarSettings;
import dev.gcpwif.sidecar.testing.FakeGoogleTransport;
import dev.gcpwif.sidecar.token.RefreshPolicy;
import dev.gcpwif.testsupport.FakeGoogle;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListenersTest {
  @TempDir Path dir;

  @Test
  void everyListenAddressServesTheSameEndpoints() throws Exception {
    try (FakeGoogle google = new FakeGoogle()) {
      Path token = Files.writeString(dir.resolve("token"), "t");
      Path config = google.writeConfig(dir.resolve("config.json"), token, true);
      SidecarSettings settings = new SidecarSettings(config,
          List.of(ListenAddress.parse("127.0.0.1:0"), ListenAddress.parse("localhost:0")), OptionalInt.empty(), Optional.empty(),
          Optional.empty(), List.of("https://www.googleapis.com/auth/cloud-platform"), Optional.empty(),
          Duration.ofSeconds(5), "pod");
      try (Sidecar sidecar = Sidecar.start(settings, FakeGoogleTransport.routed(google, Duration.ofSeconds(5)), google.clock,
          RefreshPolicy.defaults())) {
        assertThat(sidecar.ports()).hasSize(2).doesNotHaveDuplicates();
        HttpClient client = HttpClient.newHttpClient();
        for (int port : sidecar.ports()) {
          HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
              + "/computeMetadata/v1/project/numeric-project-id")).header("Metadata-Flavor", "Google").build(),
              HttpResponse.BodyHandlers.ofString());
          assertThat(response.body()).isEqualTo("123456789012");
        }
      }
    }
  }

  @Test
  void loopbackNamesAndIpv6AreAccepted() throws Exception {
    assertThat(ListenAddress.parse("localhost:80").host()).isEqualTo("127.0.0.1");
    assertThat(ListenAddress.parse("[::1]:8988").toString()).isEqualTo("[0:0:0:0:0:0:0:1]:8988");
  }
}
