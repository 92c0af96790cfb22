package dev.gcpwif.webhook.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.testsupport.CloudSdk;
import dev.gcpwif.testsupport.FakeCloudStorage;
import dev.gcpwif.testsupport.FakeGoogle;
import dev.gcpwif.testsupport.RecordedCall;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files and environment the webhook injects, used by the real gcloud and gsutil. The test lays the projected
 * volume out as the kubelet would, and changes only what must point at the fake Google in its copy: the STS and
 * IAM URLs (and STS's introspection URL) and the mount directory. gsutil's test-only settings (fake storage host, CA, state dir) go in the
 * user's own ~/.boto, which also proves the injected BOTO_PATH keeps the user's boto file in effect.
 */
class RealCloudSdkTest {
  private static final Duration SDK_TIMEOUT = Duration.ofSeconds(60);
  private static final String PROVIDER =
      "projects/123456789012/locations/global/workloadIdentityPools/on-prem/providers/cluster-a";
  private static final String EMAIL = "storage-reader@my-project.iam.gserviceaccount.com";
  private static final String SUBJECT_TOKEN = fakeJwt();
  private static final String STS_TOKEN = "sts-federated-token-0123456789";
  private static final String IAM_TOKEN = "ya29.iam-impersonated-token-abcdef";

  @TempDir Path home;
  private FakeGoogle google;
  private FakeCloudStorage storage;
  private Path caFile;
  private CloudSdk sdk;
  private Path mount;

  @BeforeEach
  void startFakeGoogle() throws Exception {
    google = FakeGoogle.builder().tokens(n -> STS_TOKEN, n -> IAM_TOKEN).start();
    storage = new FakeCloudStorage(google.ca());
    caFile = google.ca().writePem(home.resolve("fake-google-ca.pem"));
    sdk = new CloudSdk(home);
    mount = Files.createDirectories(home.resolve("volume"));
    Files.writeString(home.resolve(".boto"), String.join("\n",
        "[Credentials]",
        "gs_json_host = 127.0.0.1",
        "gs_json_port = " + storage.port(),
        "[Boto]",
        "ca_certificates_file = " + caFile,
        "[GSUtil]",
        "state_dir = " + home.resolve(".gsutil"),
        "software_update_check_period = 0",
        ""));
  }

  @AfterEach
  void stopFakeGoogle() throws Exception {
    storage.close();
    google.close();
  }

  @Test
  void gcloudPrintsTheImpersonatedToken() throws Exception {
    Map<String, String> env = injectedEnvironment(serviceAccount(EMAIL));

    CloudSdk.Result result = sdk.run(List.of(CloudSdk.executable("gcloud"), "auth", "print-access-token"), env,
        SDK_TIMEOUT);

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout().strip()).isEqualTo(IAM_TOKEN);
    assertStsExchangedTheProjectedToken();
    assertImpersonated(EMAIL, STS_TOKEN);
  }

  @Test
  void gcloudUsesTheFederatedTokenDirectlyWithoutAnEmail() throws Exception {
    Map<String, String> env = injectedEnvironment(serviceAccount(null));

    CloudSdk.Result result = sdk.run(List.of(CloudSdk.executable("gcloud"), "auth", "print-access-token"), env,
        SDK_TIMEOUT);

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout().strip()).isEqualTo(STS_TOKEN);
    assertStsExchangedTheProjectedToken();
    assertThat(google.requestsTo("/v1/projects/")).isEmpty();
    assertThat(google.requestsTo("/v1/introspect")).isNotEmpty().allSatisfy(r ->
        assertThat(RecordedCall.of(r).form().get("token")).isEqualTo(STS_TOKEN));
  }

  @Test
  void gsutilListsABucketWithTheImpersonatedToken() throws Exception {
    Map<String, String> env = injectedEnvironment(serviceAccount(EMAIL));

    CloudSdk.Result result = sdk.run(List.of(CloudSdk.executable("gsutil"), "ls", "gs://team-bucket"), env,
        SDK_TIMEOUT);

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout()).contains("gs://team-bucket/hello.txt");
    assertStsExchangedTheProjectedToken();
    assertImpersonated(EMAIL, STS_TOKEN);
    assertThat(storage.listings()).isNotEmpty().allSatisfy(call -> {
      assertThat(call.path()).isEqualTo("/storage/v1/b/team-bucket/o");
      assertThat(call.authorization()).isEqualTo("Bearer " + IAM_TOKEN);
    });
  }

  @Test
  void gsutilUsesTheFederatedTokenDirectlyWithoutAnEmail() throws Exception {
    Map<String, String> env = injectedEnvironment(serviceAccount(null));

    CloudSdk.Result result = sdk.run(List.of(CloudSdk.executable("gsutil"), "ls", "gs://team-bucket"), env,
        SDK_TIMEOUT);

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout()).contains("gs://team-bucket/hello.txt");
    assertThat(storage.listings()).isNotEmpty().allSatisfy(call -> {
      assertThat(call.path()).isEqualTo("/storage/v1/b/team-bucket/o");
      assertThat(call.authorization()).isEqualTo("Bearer " + STS_TOKEN);
    });
  }

  private void assertStsExchangedTheProjectedToken() {
    List<RecordedRequest> exchanges = google.requestsTo("/v1/token");
    assertThat(exchanges).isNotEmpty();
    Map<String, String> form = RecordedCall.of(exchanges.get(0)).form();
    assertThat(form.get("subject_token")).isEqualTo(SUBJECT_TOKEN);
    assertThat(form.get("audience")).isEqualTo("//iam.googleapis.com/" + PROVIDER);
    assertThat(form.get("subject_token_type")).isEqualTo("urn:ietf:params:oauth:token-type:jwt");
    assertThat(form.get("grant_type")).isEqualTo("urn:ietf:params:oauth:grant-type:token-exchange");
  }

  private void assertImpersonated(String email, String withToken) {
    List<RecordedRequest> calls = google.requestsTo("/v1/projects/-/serviceAccounts/");
    assertThat(calls).isNotEmpty().allSatisfy(call -> {
      assertThat(call.getUrl().encodedPath())
          .isEqualTo("/v1/projects/-/serviceAccounts/" + email + ":generateAccessToken");
      assertThat(call.getHeaders().get("Authorization")).isEqualTo("Bearer " + withToken);
    });
  }

  /**
   * Mutates a pod, writes the projected volume into {@link #mount} and returns the container's environment with
   * the mount directory moved there, plus what makes the SDK trust the fake Google.
   */
  private Map<String, String> injectedEnvironment(ServiceAccount serviceAccount) throws Exception {
    Pod pod = new PodMutator(WebhookSettings.defaults()).mutate(pod(), serviceAccount);
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    String config = annotations.get("cloud.google.com/external-credentials-json");
    String boto = annotations.get("cloud.google.com/boto-config");
    assertThat(config).isNotNull();
    assertThat(boto).isNotNull();

    String testConfig = replaceExactly(config, "https://sts.googleapis.com/v1/token", google.stsUrl() + "/v1/token");
    // Without impersonation gcloud names the account by asking STS to introspect the federated token.
    if (config.contains("token_info_url")) {
      testConfig = replaceExactly(testConfig, "https://sts.googleapis.com/v1/introspect",
          google.stsUrl() + "/v1/introspect");
    }
    if (config.contains("iamcredentials")) {
      testConfig = replaceExactly(testConfig, "https://iamcredentials.googleapis.com", google.iamUrl());
    }
    Files.writeString(mount.resolve(Names.TOKEN_FILE), SUBJECT_TOKEN);
    Files.writeString(mount.resolve(Names.CREDENTIALS_FILE), inMount(testConfig));
    Files.writeString(mount.resolve(Names.BOTO_FILE), inMount(boto));

    Container container = pod.getSpec().getContainers().get(0);
    assertThat(container.getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo(Names.MOUNT_PATH);
      assertThat(m.getReadOnly()).isTrue();
    });
    Map<String, String> env = new LinkedHashMap<>(CloudSdk.NO_METADATA_SERVER);
    for (EnvVar var : container.getEnv()) {
      env.put(var.getName(), inMount(var.getValue()));
    }
    assertThat(env).containsKeys("GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE", "BOTO_PATH");
    env.put("CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE", caFile.toString());
    // gsutil's google-auth fetches tokens through requests, which trusts REQUESTS_CA_BUNDLE, not the boto CA file.
    env.put("REQUESTS_CA_BUNDLE", caFile.toString());
    env.put("GOOGLE_API_USE_CLIENT_CERTIFICATE", "false");
    return env;
  }

  private String inMount(String text) {
    return text.replace(Names.MOUNT_PATH, mount.toString());
  }

  private static String replaceExactly(String text, String target, String replacement) {
    assertThat(text).contains(target);
    return text.replace(target, replacement);
  }

  private static Pod pod() {
    return new PodBuilder()
        .withNewMetadata().withName("app").withNamespace("team-a").endMetadata()
        .withNewSpec().withServiceAccountName("app")
        .addNewContainer().withName("app").withImage("google/cloud-sdk:slim").endContainer()
        .endSpec().build();
  }

  private static ServiceAccount serviceAccount(String email) {
    Map<String, String> annotations = new HashMap<>();
    annotations.put("cloud.google.com/workload-identity-provider", PROVIDER);
    if (email != null) {
      annotations.put("cloud.google.com/service-account-email", email);
    }
    return new ServiceAccountBuilder().withNewMetadata().withName("app").withNamespace("team-a")
        .withAnnotations(annotations).endMetadata().build();
  }

  private static String fakeJwt() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"RS256\",\"kid\":\"test\"}".getBytes(StandardCharsets.UTF_8));
    String claims = b64.encodeToString(("{\"aud\":[\"sts.googleapis.com\"],\"iss\":\"https://kubernetes.default.svc\","
        + "\"sub\":\"system:serviceaccount:team-a:app\",\"exp\":4102444800}").getBytes(StandardCharsets.UTF_8));
    return header + "." + claims + "." + b64.encodeToString("not-a-real-signature".getBytes(StandardCharsets.UTF_8));
  }
}
