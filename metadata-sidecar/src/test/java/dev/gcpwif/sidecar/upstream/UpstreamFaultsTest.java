package dev.gcpwif.sidecar.upstream;

import static dev.gcpwif.sidecar.upstream.GoogleExchangeTest.accessToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gcpwif.sidecar.testing.SidecarFixture;
import dev.gcpwif.testsupport.FakeGoogle;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;

/** Google's endpoints failing: what clients get, and that cached tokens carry them through. */
class UpstreamFaultsTest {
  private static final String TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token";
  private static final String READ_ONLY = TOKEN + "?scopes=https://www.googleapis.com/auth/devstorage.read_only";
  private static final String IDENTITY = "/computeMetadata/v1/instance/service-accounts/default/identity?audience=";
  private static final String IAM_DENIED = "{\"error\":{\"code\":403,\"message\":\"Permission 'iam.serviceAccounts.getAccessToken' "
      + "denied on resource (or it may not exist).\",\"status\":\"PERMISSION_DENIED\",\"details\":[{\"@type\":"
      + "\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"IAM_PERMISSION_DENIED\",\"domain\":\"iam.googleapis.com\"}]}}";

  @Test
  void stsDownGives503WithReasonWhileTheCachedDefaultTokenIsStillServed() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().start()) {
      fixture.awaitReady();
      fixture.google.sts.close();

      HttpResponse<String> fresh = fixture.metadata(READ_ONLY);
      assertThat(fresh.statusCode()).isEqualTo(503);
      assertThat(fresh.body()).as("refused, or a pooled connection found closed")
          .containsPattern("^access token unavailable: (cannot connect to|connection to) sts\\.googleapis\\.com");
      assertNoStackTrace(fresh.body());
      assertThat(fixture.metadata(TOKEN).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void slowStsPastTheTimeoutGives503Promptly() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().upstreamTimeout(Duration.ofSeconds(1)).start()) {
      fixture.awaitReady();
      fixture.google.stsAnswers(request -> new MockResponse.Builder(FakeGoogle.json(200, "{}"))
          .headersDelay(2500, TimeUnit.MILLISECONDS).build());

      long started = System.nanoTime();
      HttpResponse<String> response = fixture.metadata(READ_ONLY);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.body()).containsAnyOf("no answer from sts.googleapis.com within 1000 ms", "still waiting for Google");
    }
  }

  @Test
  void stsServerErrorAndMalformedAnswersGive503WithReason() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().start()) {
      fixture.awaitReady();
      fixture.google.stsAnswers(request -> FakeGoogle.json(500, "{\"error\":\"server_error\",\"error_description\":\"backend unavailable\"}"));
      HttpResponse<String> serverError = fixture.metadata(READ_ONLY);
      assertThat(serverError.statusCode()).isEqualTo(503);
      assertThat(serverError.body()).contains("server_error", "backend unavailable");
      assertNoStackTrace(serverError.body());

      fixture.google.stsAnswers(request -> FakeGoogle.json(200, "{\"access_token\": ya29 not json"));
      fixture.google.clock.advance(Duration.ofMinutes(1));
      HttpResponse<String> malformed = fixture.metadata(READ_ONLY);
      assertThat(malformed.statusCode()).isEqualTo(503);
      assertThat(malformed.body()).isEqualTo("access token unavailable: Google answered with malformed JSON\n");
      assertNoStackTrace(malformed.body());
    }
  }

  @Test
  void iamPermissionDeniedIsSurfacedWithGooglesReason() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().start()) {
      fixture.awaitReady();
      fixture.google.iamAnswers(request -> FakeGoogle.json(403, IAM_DENIED));

      HttpResponse<String> response = fixture.metadata(READ_ONLY);
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.body()).contains("generateAccessToken", "403", "PERMISSION_DENIED",
          "Permission 'iam.serviceAccounts.getAccessToken' denied");
      assertNoStackTrace(response.body());

      HttpResponse<String> identity = fixture.metadata(IDENTITY + "https://svc.example");
      assertThat(identity.statusCode()).as("gcloud only tolerates 404 from identity").isEqualTo(404);
      assertThat(identity.body()).contains("403", "Permission 'iam.serviceAccounts.getAccessToken' denied");
    }
  }

  @Test
  void cachedTokenIsServedThroughAnOutageAndReplacedAfterRecovery() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().start()) {
      fixture.awaitReady();
      String original = accessToken(fixture.metadata(TOKEN));
      fixture.google.stsAnswers(request -> FakeGoogle.json(500, "{\"error\":\"server_error\"}"));
      int stsBefore = fixture.google.stsRequests.size();

      fixture.google.clock.advance(Duration.ofMinutes(50));
      HttpResponse<String> during = fixture.metadata(TOKEN);
      assertThat(accessToken(during)).isEqualTo(original);
      assertThat(during.body()).containsPattern("\"expires_in\":(59\\d|600),");
      await().atMost(Duration.ofSeconds(5)).until(() -> fixture.google.stsRequests.size() > stsBefore);
      assertThat(accessToken(fixture.metadata(TOKEN))).isEqualTo(original);

      fixture.google.stsAnswers(null);
      fixture.google.clock.advance(Duration.ofMinutes(1));
      await().atMost(Duration.ofSeconds(10))
          .until(() -> !accessToken(fixture.metadata(TOKEN)).equals(original));
      assertThat(accessToken(fixture.metadata(TOKEN))).isEqualTo(fixture.google.issuedAccessTokens.get(1));
    }
  }

  @Test
  void expiredTokenDuringAnOutageGives503AndReadinessFails() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().start()) {
      fixture.awaitReady();
      fixture.google.stsAnswers(request -> FakeGoogle.json(500, "{\"error\":\"server_error\"}"));
      fixture.google.clock.advance(Duration.ofSeconds(3600 - 30));

      HttpResponse<String> response = fixture.metadata(TOKEN);
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.body()).contains("server_error");
      assertThat(fixture.get("/readyz").statusCode()).isEqualTo(503);
    }
  }

  @Test
  void missingTokenFileAtStartIsRetriedUntilTheKubeletWritesIt() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().withoutTokenFile().start()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> fixture.get("/readyz").body().contains("access token unavailable"));
      HttpResponse<String> notReady = fixture.get("/readyz");
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(fixture.get("/healthz").statusCode()).isEqualTo(200);

      Files.writeString(fixture.tokenFile, SidecarFixture.SUBJECT_TOKEN);
      fixture.google.clock.advance(Duration.ofMinutes(1));
      fixture.awaitReady();
      assertThat(accessToken(fixture.metadata(TOKEN))).isEqualTo(fixture.google.issuedAccessTokens.get(0));
    }
  }

  private static void assertNoStackTrace(String body) {
    assertThat(body).doesNotContain("\tat ", "Exception:", "at com.google").hasLineCount(1);
  }
}
