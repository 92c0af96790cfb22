package dev.gcpwif.sidecar.realclients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.sidecar.testing.FakeGoogle;
import dev.gcpwif.sidecar.testing.SidecarFixture;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real gcloud, gsutil, Python google-auth and Java google-auth against the running sidecar. Each asserts that
 * the token the tool used or printed is the one the fake IAM Credentials issued.
 */
class RealClientsTest {
  private static final String BUCKET_LISTING = "{\"kind\":\"storage#objects\",\"items\":[{\"kind\":\"storage#object\","
      + "\"name\":\"hello.txt\",\"bucket\":\"bkt\",\"size\":\"5\",\"generation\":\"1\",\"metageneration\":\"1\","
      + "\"contentType\":\"text/plain\",\"timeCreated\":\"2026-01-01T00:00:00.000Z\",\"updated\":\"2026-01-01T00:00:00.000Z\","
      + "\"storageClass\":\"STANDARD\",\"md5Hash\":\"XUFAKrxLKna5cZ2REBfFkg==\",\"crc32c\":\"mnG7TA==\",\"etag\":\"CAE=\"}]}";

  private SidecarFixture fixture;
  private CloudSdk sdk;
  private final List<RecordedRequest> storageRequests = new CopyOnWriteArrayList<>();
  private final MockWebServer storage = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    fixture = SidecarFixture.builder().start();
    fixture.awaitReady();
    sdk = new CloudSdk(fixture.dir, fixture.hostPort());
    storage.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        storageRequests.add(request);
        if (request.getUrl().encodedPath().equals("/storage/v1/b/bkt/o")) {
          return FakeGoogle.json(200, BUCKET_LISTING);
        }
        return FakeGoogle.json(404, "{\"error\":{\"code\":404,\"message\":\"not found\"}}");
      }
    });
  }

  @AfterEach
  void stop() {
    storage.close();
    fixture.close();
  }

  @Test
  void gcloudPrintsTheImpersonatedAccessToken() throws Exception {
    String printed = sdk.gcloud("auth", "print-access-token").assertSuccess().stdout().trim();
    assertThat(fixture.google.issuedAccessTokens).contains(printed);
    String accounts = sdk.gcloud("auth", "list", "--format=value(account)").assertSuccess().stdout();
    assertThat(accounts).contains(FakeGoogle.SERVICE_ACCOUNT);
    assertThat(sdk.gcloud("config", "get", "project").assertSuccess().stdout().trim()).isEqualTo("my-project-42");
  }

  @Test
  void gcloudPrintsAnIdentityTokenForTheRequestedAudience() throws Exception {
    String printed = sdk.gcloud("auth", "print-identity-token", "--audiences=https://service.example")
        .assertSuccess().stdout().trim();
    assertThat(fixture.google.issuedIdTokens).contains(printed);
    assertThat(fixture.google.iamRequests("generateIdToken"))
        .anySatisfy(r -> assertThat(r.getBody().utf8()).contains("\"audience\":\"https://service.example\""));
  }

  @Test
  void gcloudStorageListsABucketWithTheSidecarsToken() throws Exception {
    storage.start(InetAddress.getLoopbackAddress(), 0);
    String endpoint = "http://127.0.0.1:" + storage.getPort() + "/storage/v1/";
    String listing = sdk.run(List.of(CloudSdk.GCLOUD.toString(), "storage", "ls", "gs://bkt"),
        Map.of("CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE", endpoint)).assertSuccess().stdout();

    assertThat(listing).contains("gs://bkt/hello.txt");
    assertBearerIsAnIssuedAccessToken();
  }

  @Test
  void gsutilWithGoogleComputeServiceAccountListsABucket() throws Exception {
    HeldCertificate certificate = new HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1")
        .duration(1, TimeUnit.DAYS).build();
    storage.useHttps(new HandshakeCertificates.Builder().heldCertificate(certificate).build().sslSocketFactory());
    storage.start(InetAddress.getLoopbackAddress(), 0);
    Files.writeString(sdk.home().resolve("boto.cfg"), String.join("\n",
        "[Credentials]", "gs_json_host = 127.0.0.1", "gs_json_port = " + storage.getPort(),
        "[Boto]", "https_validate_certificates = False",
        "[GSUtil]", "state_dir = " + sdk.home().resolve(".gsutil"), "software_update_check_period = 0",
        "[GoogleCompute]", "service_account = default", ""));

    String listing = sdk.run(List.of(CloudSdk.PYTHON.toString(), CloudSdk.GSUTIL.toString(), "ls", "gs://bkt"), Map.of())
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

    String[] lines = sdk.run(List.of(CloudSdk.PYTHON.toString(), script.toString()),
        Map.of("PYTHONPATH", CloudSdk.ROOT.resolve("lib/third_party").toString())).assertSuccess().stdout().split("\n");

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
    String[] lines = sdk.run(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
        JavaMetadataClient.class.getName(), "https://java.example"), Map.of()).assertSuccess().stdout().split("\n");

    assertThat(lines[0]).isEqualTo("ComputeEngineCredentials");
    assertThat(fixture.google.issuedAccessTokens).contains(lines[1]);
    assertThat(lines[2]).isEqualTo(FakeGoogle.SERVICE_ACCOUNT);
    assertThat(fixture.google.issuedIdTokens).contains(lines[3]);
  }

  private void assertBearerIsAnIssuedAccessToken() {
    List<RecordedRequest> listings = storageRequests.stream()
        .filter(r -> r.getUrl().encodedPath().equals("/storage/v1/b/bkt/o")).toList();
    assertThat(listings).isNotEmpty();
    for (RecordedRequest request : listings) {
      String authorization = request.getHeaders().get("Authorization");
      assertThat(authorization).startsWith("Bearer ");
      assertThat(fixture.google.issuedAccessTokens).contains(authorization.substring("Bearer ".length()));
    }
  }
}
