package dev.gcpwif.sidecar.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gcpwif.sidecar.testing.SidecarFixture;
import dev.gcpwif.testsupport.FakeGoogle;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MetadataEndpointsTest {
  private static final String V1 = "/computeMetadata/v1";
  private static final String DEFAULT_SA = V1 + "/instance/service-accounts/default";
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
  void rootAnswersWithoutTheRequestHeaderAndCarriesTheFlavorHeader() throws Exception {
    HttpResponse<String> root = fixture.get("/");
    assertThat(root.statusCode()).isEqualTo(200);
    assertThat(root.body()).isEqualTo("computeMetadata/\n");
    assertThat(root.headers().firstValue("Metadata-Flavor")).hasValue("Google");
  }

  @Test
  void metadataPathsWithoutTheFlavorHeaderAreForbidden() throws Exception {
    HttpResponse<String> response = fixture.get(DEFAULT_SA + "/token");
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).doesNotContain("ya29");
    assertThat(response.headers().firstValue("Metadata-Flavor")).hasValue("Google");
    assertThat(fixture.get(DEFAULT_SA + "/token", "Metadata-Flavor", "google").statusCode()).isEqualTo(403);
  }

  @Test
  void forwardedRequestsAreForbiddenEvenWithTheFlavorHeader() throws Exception {
    HttpResponse<String> response = fixture.get(DEFAULT_SA + "/token", "Metadata-Flavor", "Google",
        "X-Forwarded-For", "10.0.0.7");
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).doesNotContain("access_token");
    assertThat(fixture.get("/", "X-Forwarded-For", "10.0.0.7").statusCode()).isEqualTo(403);
  }

  @Test
  void directoriesWithoutTrailingSlashRedirectKeepingTheQuery() throws Exception {
    HttpResponse<String> response = fixture.metadata(V1 + "/instance/service-accounts?recursive=true");
    assertThat(response.statusCode()).isEqualTo(301);
    assertThat(response.headers().firstValue("Location")).hasValue(V1 + "/instance/service-accounts/?recursive=true");
    assertThat(response.headers().firstValue("Metadata-Flavor")).hasValue("Google");
    assertThat(fixture.metadata(V1).headers().firstValue("Location")).hasValue(V1 + "/");
  }

  @Test
  void serviceAccountListingNamesDefaultAndTheEmail() throws Exception {
    HttpResponse<String> response = fixture.metadata(V1 + "/instance/service-accounts/");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("default/\n" + FakeGoogle.SERVICE_ACCOUNT + "/\n");
  }

  @Test
  void accountDirectoryRecursiveIsJsonWithEmailAliasesAndScopes() throws Exception {
    for (String account : new String[] {"default", FakeGoogle.SERVICE_ACCOUNT}) {
      HttpResponse<String> response = fixture.metadata(V1 + "/instance/service-accounts/" + account + "/?recursive=true");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
      JsonObject json = JsonParser.parseString(response.body()).getAsJsonObject();
      assertThat(json.get("email").getAsString()).isEqualTo(FakeGoogle.SERVICE_ACCOUNT);
      assertThat(json.get("aliases").toString()).isEqualTo("[\"default\"]");
      assertThat(json.get("scopes").toString()).isEqualTo("[\"https://www.googleapis.com/auth/cloud-platform\"]");
      assertThat(json.has("token")).isFalse();
    }
  }

  @Test
  void plainListingOfAnAccountIncludesTokenAndIdentity() throws Exception {
    assertThat(fixture.metadata(DEFAULT_SA + "/").body()).isEqualTo("aliases\nemail\nidentity\nscopes\ntoken\n");
  }

  @Test
  void leavesAnswerTextOrJsonOnRequest() throws Exception {
    assertThat(fixture.metadata(DEFAULT_SA + "/email").body()).isEqualTo(FakeGoogle.SERVICE_ACCOUNT);
    assertThat(fixture.metadata(DEFAULT_SA + "/scopes").body()).isEqualTo("https://www.googleapis.com/auth/cloud-platform\n");
    assertThat(fixture.metadata(V1 + "/project/project-id").body()).isEqualTo("my-project-42");
    assertThat(fixture.metadata(V1 + "/project/numeric-project-id").body()).isEqualTo("123456789012");
    assertThat(fixture.metadata(V1 + "/project/numeric-project-id?alt=json").body()).isEqualTo("123456789012");
    assertThat(fixture.metadata(V1 + "/project/project-id?alt=json").body()).isEqualTo("\"my-project-42\"");
    assertThat(fixture.metadata(V1 + "/universe/universe-domain").body()).isEqualTo("googleapis.com");
    assertThat(fixture.metadata(V1 + "/instance/name").body()).isEqualTo("test-pod");
    assertThat(fixture.metadata(V1 + "/instance/hostname").body()).isEqualTo("test-pod");
  }

  @Test
  void recursiveProjectUsesGceJsonKeysAndAltTextFlattens() throws Exception {
    JsonObject project = JsonParser.parseString(fixture.metadata(V1 + "/project/?recursive=true").body()).getAsJsonObject();
    assertThat(project.get("projectId").getAsString()).isEqualTo("my-project-42");
    assertThat(project.get("numericProjectId").getAsLong()).isEqualTo(123456789012L);
    assertThat(fixture.metadata(V1 + "/project/?recursive=true&alt=text").body())
        .contains("numericProjectId 123456789012\n", "projectId my-project-42\n");
  }

  @Test
  void unknownPathsAndBadParametersAreClientErrorsWithTheFlavorHeader() throws Exception {
    HttpResponse<String> missing = fixture.metadata(V1 + "/instance/no-such-thing");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.headers().firstValue("Metadata-Flavor")).hasValue("Google");
    assertThat(fixture.get("/no/such/path").statusCode()).isEqualTo(404);
    assertThat(fixture.get("/no/such/path").headers().firstValue("Metadata-Flavor")).hasValue("Google");
    assertThat(fixture.metadata(V1 + "/instance/service-accounts/other@x.iam.gserviceaccount.com/token").statusCode()).isEqualTo(404);
    assertThat(fixture.metadata(DEFAULT_SA + "/email/").statusCode()).isEqualTo(404);
    HttpResponse<String> badAlt = fixture.metadata(DEFAULT_SA + "/email?alt=xml");
    assertThat(badAlt.statusCode()).isEqualTo(400);
    assertThat(badAlt.body()).contains("alt", "xml", "json", "text");
  }

  @Test
  void tokenIsJsonWithRemainingLifetimeAsInteger() throws Exception {
    HttpResponse<String> response = fixture.metadata(DEFAULT_SA + "/token");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    JsonObject token = JsonParser.parseString(response.body()).getAsJsonObject();
    assertThat(fixture.google.issuedAccessTokens).contains(token.get("access_token").getAsString());
    assertThat(token.get("token_type").getAsString()).isEqualTo("Bearer");
    assertThat(token.get("expires_in").getAsJsonPrimitive().getAsString()).matches("\\d+");
    assertThat(token.get("expires_in").getAsInt()).isBetween(3500, 3600);
  }

  @Test
  void tokenAcceptsUnknownParametersAndTheEmailAsAccount() throws Exception {
    HttpResponse<String> response = fixture.metadata(V1 + "/instance/service-accounts/" + FakeGoogle.SERVICE_ACCOUNT
        + "/token?transport=mtls&binding-enforcement=on");
    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void identityReturnsTheJwtIssuedForTheAudience() throws Exception {
    HttpResponse<String> response = fixture.metadata(DEFAULT_SA + "/identity?audience=https://svc.example&format=full&licenses=TRUE");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(fixture.google.issuedIdTokens).contains(response.body());
    assertThat(fixture.metadata(DEFAULT_SA + "/identity").statusCode()).isEqualTo(400);
    assertThat(fixture.metadata(DEFAULT_SA + "/identity?audience=x&format=weird").statusCode()).isEqualTo(400);
  }

  @Test
  void probesAnswerWithoutTheFlavorHeader() throws Exception {
    assertThat(fixture.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(fixture.get("/readyz").statusCode()).isEqualTo(200);
  }

  @Test
  void otherMethodsAreNotServed() throws Exception {
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(fixture.baseUrl() + DEFAULT_SA + "/token"))
        .header("Metadata-Flavor", "Google").POST(java.net.http.HttpRequest.BodyPublishers.ofString("x")).build();
    HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isIn(404, 405);
    assertThat(response.body()).doesNotContain("ya29");
    assertThat(response.headers().firstValue("Metadata-Flavor")).hasValue("Google");
  }
}
