package dev.gcpwif.sidecar.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gcpwif.sidecar.testing.SidecarFixture;
import dev.gcpwif.testsupport.FakeGoogle;
import java.net.http.HttpResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * ID tokens follow the configuration's IAM endpoint (private endpoints, PSC, other universes) instead of google-auth's
 * fixed iamcredentials.googleapis.com. The fakes are named by address in the configuration and the sidecar uses its
 * production transport: nothing reroutes a request, so a call to the public host would fail to resolve or connect.
 */
class IamEndpointTest {
  private static final String IDENTITY =
      "/computeMetadata/v1/instance/service-accounts/default/identity?format=full&audience=https://svc.example";
  private static final String TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token";

  @Test
  void idTokenIsRequestedFromTheImpersonationUrlsHostAndPort() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().localEndpoints(null).start()) {
      assertIdTokenCameFromTheFakeIam(fixture);
    }
  }

  @Test
  void idTokenFollowsTheImpersonationUrlInAnotherUniverseToo() throws Exception {
    try (SidecarFixture fixture = SidecarFixture.builder().localEndpoints("example-universe.test").start()) {
      assertIdTokenCameFromTheFakeIam(fixture);
      assertThat(fixture.metadata("/computeMetadata/v1/universe/universe-domain").body())
          .isEqualTo("example-universe.test");
      HttpResponse<String> token = fixture.metadata(TOKEN);
      assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
      assertThat(token.body()).contains(fixture.google.issuedAccessTokens.get(0));
    }
  }

  private static void assertIdTokenCameFromTheFakeIam(SidecarFixture fixture) throws Exception {
    HttpResponse<String> identity = fixture.metadata(IDENTITY);

    assertThat(identity.statusCode()).as(identity.body()).isEqualTo(200);
    assertThat(fixture.google.issuedIdTokens).containsExactly(identity.body());
    RecordedRequest call = fixture.google.iamRequests("generateIdToken").get(0);
    assertThat(call.getMethod()).isEqualTo("POST");
    assertThat(call.getTarget())
        .isEqualTo("/v1/projects/-/serviceAccounts/" + FakeGoogle.SERVICE_ACCOUNT + ":generateIdToken");
    assertThat(call.getHeaders().get("Authorization")).as("the federated token authorises generateIdToken")
        .isIn(fixture.google.issuedFederatedTokens.stream().map(t -> "Bearer " + t).toList());
    JsonObject body = JsonParser.parseString(call.getBody().utf8()).getAsJsonObject();
    assertThat(body.get("audience").getAsString()).isEqualTo("https://svc.example");
    assertThat(body.get("includeEmail").getAsBoolean()).isTrue();
  }
}
