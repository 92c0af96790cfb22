package dev.gcpwif.sidecar.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gcpwif.sidecar.testing.SidecarFixture;
import dev.gcpwif.testsupport.FakeGoogle;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The probe port is reachable from every pod of the cluster: its /readyz says ready or not, and nothing of Google's
 * error, which names the pool, the provider and the service account. The reason stays on loopback (and in the log).
 */
class ProbeReadinessTest {
  private static final String GOOGLE_SECRET_DETAIL = "pool-7c1e-provider-f00d is not allowed";

  @Test
  void readyzOnTheProbePortSaysNotReadyWithoutGooglesErrorText() throws Exception {
    // No token at start, so that the first exchange happens after STS has been told to refuse it.
    try (SidecarFixture fixture = SidecarFixture.builder().withoutTokenFile().healthPort(0).start()) {
      fixture.google.stsAnswers(request -> FakeGoogle.json(400,
          "{\"error\":\"invalid_grant\",\"error_description\":\"" + GOOGLE_SECRET_DETAIL + "\"}"));
      Files.writeString(fixture.tokenFile, SidecarFixture.SUBJECT_TOKEN);
      fixture.google.clock.advance(Duration.ofMinutes(1));
      await().atMost(Duration.ofSeconds(10)).until(() -> fixture.get("/readyz").body().contains(GOOGLE_SECRET_DETAIL));
      assertThat(fixture.get("/readyz").statusCode()).as("loopback keeps the reason").isEqualTo(503);

      HttpResponse<String> probe = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + fixture.sidecar.healthPort().getAsInt() + "/readyz")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(probe.statusCode()).isEqualTo(503);
      assertThat(probe.body()).isEqualTo("not ready\n").doesNotContain(GOOGLE_SECRET_DETAIL);
    }
  }
}
