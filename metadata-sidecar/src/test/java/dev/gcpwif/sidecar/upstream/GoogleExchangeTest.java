package dev.gcpwif.sidecar.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gcpwif.sidecar.testing.SidecarFixture;
import dev.gcpwif.testsupport.FakeGoogle;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;

/** What the sidecar sends to STS and IAM Credentials, request by request. */
class GoogleExchangeTest {
  private static final String TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token";
  private static final String CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";
  private static final String READ_ONLY = "https://www.googleapis.com/auth/devstorage.read_only";

  @Test
  void exchangesTheProjectedTokenThenImpersonatesTheServiceAccount() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().tokenLifetime(1800).start()) {
      String served = accessToken(fixture.metadata(TOKEN));

      RecordedRequest sts = fixture.google.stsRequests.get(0);
      assertThat(sts.getMethod()).isEqualTo("POST");
      assertThat(sts.getTarget()).isEqualTo("/v1/token");
      Map<String, String> form = form(sts);
      assertThat(form).containsEntry("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange")
          .containsEntry("subject_token", SidecarFixture.SUBJECT_TOKEN)
          .containsEntry("subject_token_type", "urn:ietf:params:oauth:token-type:jwt")
          .containsEntry("audience", FakeGoogle.PROVIDER_AUDIENCE)
          .containsEntry("requested_token_type", "urn:ietf:params:oauth:token-type:access_token")
          .containsEntry("scope", CLOUD_PLATFORM);

      RecordedRequest impersonation = fixture.google.iamRequests("generateAccessToken").get(0);
      assertThat(impersonation.getTarget())
          .isEqualTo("/v1/projects/-/serviceAccounts/" + FakeGoogle.SERVICE_ACCOUNT + ":generateAccessToken");
      assertThat(impersonation.getHeaders().get("Authorization")).isEqualTo("Bearer " + fixture.google.issuedFederatedTokens.get(0));
      JsonObject body = JsonParser.parseString(impersonation.getBody().utf8()).getAsJsonObject();
      assertThat(body.get("lifetime").getAsString()).isEqualTo("1800s");
      assertThat(body.get("scope").toString()).isEqualTo("[\"" + CLOUD_PLATFORM + "\"]");
      assertThat(served).isEqualTo(fixture.google.issuedAccessTokens.get(0));
    }
  }

  @Test
  void requestedScopesReachBothStsAndImpersonationAndAreCachedSeparately() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().start()) {
      fixture.awaitReady();
      String scoped = accessToken(fixture.metadata(TOKEN + "?scopes=" + READ_ONLY + "," + CLOUD_PLATFORM));
      String again = accessToken(fixture.metadata(TOKEN + "?scopes=" + CLOUD_PLATFORM + "," + READ_ONLY));
      String plain = accessToken(fixture.metadata(TOKEN));

      assertThat(again).isEqualTo(scoped);
      assertThat(plain).isNotEqualTo(scoped);
      RecordedRequest impersonation = fixture.google.iamRequests("generateAccessToken").get(1);
      assertThat(JsonParser.parseString(impersonation.getBody().utf8()).getAsJsonObject().get("scope").toString())
          .isEqualTo("[\"" + CLOUD_PLATFORM + "\",\"" + READ_ONLY + "\"]");
      assertThat(fixture.google.iamRequests("generateAccessToken")).hasSize(2);
    }
  }

  @Test
  void rereadsTheSubjectTokenFileAfterTheKubeletRotatesIt() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().start()) {
      fixture.awaitReady();
      Files.writeString(fixture.tokenFile, "rotated-projected-token");
      fixture.metadata(TOKEN + "?scopes=" + READ_ONLY);

      assertThat(fixture.google.stsRequests).hasSize(2);
      assertThat(form(fixture.google.stsRequests.get(0))).containsEntry("subject_token", SidecarFixture.SUBJECT_TOKEN);
      assertThat(form(fixture.google.stsRequests.get(1))).containsEntry("subject_token", "rotated-projected-token");
    }
  }

  @Test
  void directFederationServesTheStsTokenAndHasNoIdentity() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().directFederation().projectId("direct-project").start()) {
      String served = accessToken(fixture.metadata(TOKEN));
      assertThat(served).isEqualTo(fixture.google.issuedFederatedTokens.get(0));
      assertThat(fixture.google.iamRequests).isEmpty();

      HttpResponse<String> identity = fixture.metadata(
          "/computeMetadata/v1/instance/service-accounts/default/identity?audience=32555940559.apps.googleusercontent.com&format=standard&licenses=FALSE");
      assertThat(identity.statusCode()).isEqualTo(404);
      assertThat(identity.body()).contains("direct federated access");
      assertThat(fixture.metadata("/computeMetadata/v1/instance/service-accounts/default/email").body())
          .isEqualTo("direct-project.svc.id.goog");
    }
  }

  @Test
  void idTokensCarryTheAudienceAndAreCachedPerAudience() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().start()) {
      String base = "/computeMetadata/v1/instance/service-accounts/default/identity?format=full&audience=";
      String first = fixture.metadata(base + "https://a.example").body();
      String firstAgain = fixture.metadata(base + "https://a.example").body();
      String second = fixture.metadata(base + "https://b.example").body();

      assertThat(firstAgain).isEqualTo(first);
      assertThat(second).isNotEqualTo(first);
      List<RecordedRequest> calls = fixture.google.iamRequests("generateIdToken");
      assertThat(calls).hasSize(2);
      assertThat(calls.get(0).getTarget())
          .isEqualTo("/v1/projects/-/serviceAccounts/" + FakeGoogle.SERVICE_ACCOUNT + ":generateIdToken");
      JsonObject body = JsonParser.parseString(calls.get(0).getBody().utf8()).getAsJsonObject();
      assertThat(body.get("audience").getAsString()).isEqualTo("https://a.example");
      assertThat(body.get("includeEmail").getAsBoolean()).isTrue();
      assertThat(fixture.google.issuedIdTokens).containsExactly(first, second);
    }
  }

  @Test
  void twoHundredClientsOnAColdCacheCauseOneExchangeAndOneImpersonation() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().start()) {
      fixture.awaitReady();
      fixture.google.stsDelay(Duration.ofMillis(500));
      int stsBefore = fixture.google.stsRequests.size();
      int iamBefore = fixture.google.iamRequests.size();
      ExecutorService clients = Executors.newFixedThreadPool(200);
      try {
        List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          calls.add(() -> fixture.metadata(TOKEN + "?scopes=" + READ_ONLY));
        }
        List<String> tokens = new ArrayList<>();
        for (Future<HttpResponse<String>> response : clients.invokeAll(calls)) {
          assertThat(response.get().statusCode()).isEqualTo(200);
          tokens.add(accessToken(response.get()));
        }
        assertThat(tokens).hasSize(200).containsOnly(fixture.google.issuedAccessTokens.get(1));
      } finally {
        clients.shutdownNow();
      }
      assertThat(fixture.google.stsRequests).hasSize(stsBefore + 1);
      assertThat(fixture.google.iamRequests).hasSize(iamBefore + 1);
    }
  }

  static String accessToken(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JsonParser.parseString(response.body()).getAsJsonObject().get("access_token").getAsString();
  }

  private static Map<String, String> form(RecordedRequest request) {
    return Arrays.stream(request.getBody().utf8().split("&"))
        .map(pair -> pair.split("=", 2))
        .collect(Collectors.toMap(p -> URLDecoder.decode(p[0], StandardCharsets.UTF_8),
            p -> URLDecoder.decode(p[1], StandardCharsets.UTF_8)));
  }
}
