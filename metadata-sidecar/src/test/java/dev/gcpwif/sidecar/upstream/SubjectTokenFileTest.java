package dev.gcpwif.sidecar.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gcpwif.sidecar.testing.SidecarFixture;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The projected token file before the kubelet has written a token into it: the sidecar is not ready, says why, and
 * never asks STS to exchange an empty subject token; it becomes ready once the file has content.
 */
class SubjectTokenFileTest {
  private static final String TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token";

  @ParameterizedTest
  @ValueSource(strings = {"", " \n\t "})
  void anEmptyTokenFileIsNotReadyAndNothingIsSentToSts(String content) throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().tokenFileContent(content).healthPort(0).start()) {
      assertNotReadyWithoutSts(fixture, "is empty");
    }
  }

  @Test
  void aMissingTokenFileIsNotReadyAndNothingIsSentToSts() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().withoutTokenFile().healthPort(0).start()) {
      assertNotReadyWithoutSts(fixture, "does not exist");
    }
  }

  private static void assertNotReadyWithoutSts(SidecarFixture fixture, String reason) throws Exception {
    String file = fixture.tokenFile.toString();
    await().atMost(Duration.ofSeconds(10)).until(() -> fixture.get("/readyz").body().contains(reason));
    HttpResponse<String> ready = fixture.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).contains(file).contains(reason).hasLineCount(1);
    HttpResponse<String> token = fixture.metadata(TOKEN);
    assertThat(token.statusCode()).as("clients retry 503").isEqualTo(503);
    assertThat(token.body()).contains(file).contains(reason).doesNotContain("Exception");
    assertThat(probe(fixture, "/readyz")).isEqualTo("503 not ready\n");
    assertThat(probe(fixture, "/healthz")).isEqualTo("200 ok\n");
    // several retry rounds of the background refresh
    for (int i = 0; i < 3; i++) {
      fixture.google.clock.advance(Duration.ofMinutes(1));
      Thread.sleep(1100);
    }
    assertThat(fixture.google.stsRequests).as("STS requests while the token file has no token").isEmpty();

    Files.writeString(fixture.tokenFile, SidecarFixture.SUBJECT_TOKEN);
    fixture.google.clock.advance(Duration.ofMinutes(1));
    fixture.awaitReady();
    assertThat(fixture.metadata(TOKEN).statusCode()).isEqualTo(200);
    assertThat(probe(fixture, "/readyz")).isEqualTo("200 ok\n");
    assertThat(fixture.google.stsRequests).isNotEmpty();
    for (RecordedRequest request : fixture.google.stsRequests) {
      assertThat(subjectToken(request)).isEqualTo(SidecarFixture.SUBJECT_TOKEN);
    }
  }

  private static String subjectToken(RecordedRequest request) {
    for (String pair : request.getBody().utf8().split("&")) {
      if (pair.startsWith("subject_token=")) {
        return URLDecoder.decode(pair.substring("subject_token=".length()), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static String probe(SidecarFixture fixture, String path) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + fixture.sidecar.healthPort().getAsInt() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }
}
