package dev.gcpwif.sidecar.realclients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.sidecar.testing.SidecarFixture;
import dev.gcpwif.testsupport.CloudSdk;
import dev.gcpwif.testsupport.FakeCloudStorage;
import dev.gcpwif.testsupport.FakeGoogle;
import dev.gcpwif.testsupport.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real gcloud, gsutil, Python google-auth and Java google-auth against the running sidecar. Each asserts that
 * the token the tool used or printed is the one the fake IAM Credentials issued.
 */
class RealClientsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private SidecarFixture fixture;
  private CloudSdk sdk;
  private FakeCloudStorage storage;

  @BeforeEach
  void start() throws Exception {
    fixture = SidecarFixture.builder().start();
    fixture.awaitReady();
    sdk = new CloudSdk(fixture.dir.resolve("home"));
  }

  @AfterEach
  void stop() {
    if (storage != null) {
      storage.close();
    }
    fixture.close();
  }

  /**
   * The tools as an app container with the sidecar runs them: only the GCE_METADATA_* variables point them at the
   * sidecar; the SDK's own Python, a boto file of the test's, no proxy for loopback.
   */
  private CloudSdk.Result run(List<String> command, Map<String, String> extraEnv) throws Exception {
    Map<String, String> env = new HashMap<>(CloudSdk.metadataServerAt(fixture.hostPort()));
    env.put("CLOUDSDK_PYTHON", CloudSdk.python().toString());
    env.put("BOTO_CONFIG", sdk.home().resolve("boto.cfg").toString());
    env.put("BOTO_PATH", sdk.home().resolve("boto.cfg").toString());
    env.put("NO_PROXY", "127.0.0.1,localhost");
    env.putAll(extraEnv);
    return sdk.run(command, env, TIMEOUT);
  }

  private CloudSdk.Result gcloud(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(CloudSdk.gcloud().toString()));
    command.addAll(List.of(args));
    return run(command, Map.of());
  }

  @Test
  void gcloudPrintsTheImpersonatedAccessToken() throws Exception {
    String printed = gcloud("auth", "print-access-token").assertSuccess().stdout().trim();
    assertThat(fixture.google.issuedAccessTokens).contains(printed);
    String accounts = gcloud("auth", "list", "--format=value(account)").assertSuccess().stdout();
    assertThat(accounts).contains(FakeGoogle.SERVICE_ACCOUNT);
    assertThat(gcloud("config", "get", "project").assertSuccess().stdout().trim()).isEqualTo("my-project-42");
  }

  @Test
  void gcloudPrintsAnIdentityTokenForTheRequestedAudience() throws Exception {
    String printed = gcloud("auth", "print-identity-token", "--audiences=https://service.example")
        .assertSuccess().stdout().trim();
    assertThat(fixture.google.issuedIdTokens).contains(printed);
    assertThat(fixture.google.iamRequests("generateIdToken"))
        .anySatisfy(r -> assertThat(r.getBody().utf8()).contains("\"audience\":\"https://service.example\""));
  }

  @Test
  void gcloudStorageListsABucketWithTheSidecarsToken() throws Exception {
    storage = new FakeCloudStorage(null);
    String listing = run(List.of(CloudSdk.gcloud().toString(), "storage", "ls", "gs://bkt"),
        Map.of("CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE", storage.jsonApiEndpoint())).assertSuccess().stdout();

    assertThat(listing).contains("gs://bkt/hello.txt");
    assertBearerIsAnIssuedAccessToken();
  }

  @Test
  void gsutilWithGoogleComputeServiceAccountListsABucket() throws Exception {
    storage = new FakeCloudStorage(new TestCa());
    Files.writeString(sdk.home().resolve("boto.cfg"), String.join("\n",
        "[Credentials]", "gs_json_host = 127.0.0.1", "gs_json_port = " + storage.port(),
        "[Boto]", "https_validate_certificates = False",
        "[GSUtil]", "state_dir = " + sdk.home().resolve(".gsutil"), "software_update_check_period = 0",
        "[GoogleCompute]", "service_account = default", ""));

    String listing = run(List.of(CloudSdk.python().toString(), CloudSdk.gsutil().toString(), "ls", "gs://bkt"), Map.of())
        .assertSuccess().stdout();

    assertThat(listing).contains("gs://bkt/hello.txt");
    assertBearerIsAnIssuedAccessToken();
  }

  @Test
  void pythonGoogleAuthDefaultAndFetchIdToken() throws Exception {
    Path script = Files.writeString(sdk.home().resolve("probe.py"), String.join("\n",
        "import google.auth, google.auth.transport.requests",
        "from google.oauth2 import id_token",
        "request = google.auth.transport.requests.Request()",
        "credentials, project = google.auth.default()",
        "credentials.refresh(request)",
        "print(type(credentials).__module__ + '.' + type(credentials).__name__)",
        "print(project)",
        "print(credentials.token)",
        "print(id_token.fetch_id_token(request, 'https://python.example'))", ""));

    String[] lines = run(List.of(CloudSdk.python().toString(), script.toString()),
        Map.of("PYTHONPATH", CloudSdk.thirdParty().toString())).assertSuccess().stdout().split("\n");

    assertThat(lines[0]).isEqualTo("google.auth.compute_engine.credentials.Credentials");
    assertThat(lines[1]).isEqualTo("my-project-42");
    assertThat(fixture.google.issuedAccessTokens).contains(lines[2]);
    assertThat(fixture.google.issuedIdTokens).contains(lines[3]);
    assertThat(fixture.google.iamRequests("generateIdToken"))
        .anySatisfy(r -> assertThat(r.getBody().utf8()).contains("\"audience\":\"https://python.example\""));
  }

  @Test
  void javaComputeEngineCredentialsFromApplicationDefault() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    String[] lines = run(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
        JavaMetadataClient.class.getName(), "https://java.example"), Map.of()).assertSuccess().stdout().split("\n");

    assertThat(lines[0]).isEqualTo("ComputeEngineCredentials");
    assertThat(fixture.google.issuedAccessTokens).contains(lines[1]);
    assertThat(lines[2]).isEqualTo(FakeGoogle.SERVICE_ACCOUNT);
    assertThat(fixture.google.issuedIdTokens).contains(lines[3]);
  }

  private void assertBearerIsAnIssuedAccessToken() {
    List<String> listings = storage.listingAuthorizations();
    assertThat(listings).isNotEmpty();
    for (String authorization : listings) {
      assertThat(authorization).startsWith("Bearer ");
      assertThat(fixture.google.issuedAccessTokens).contains(authorization.substring("Bearer ".length()));
    }
  }
}
