package dev.gcpwif.webhook.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.testsupport.CloudSdk;
import dev.gcpwif.testsupport.FakeCloudStorage;
import dev.gcpwif.testsupport.RecordedCall;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 4 end to end, file-based mode: the app container's env alone is enough; gcloud, gsutil and the libraries
 * exchange the projected token at the fake STS and impersonate through the fake IAM themselves. The test's only
 * additions are trust in the fake's CA and the fake storage endpoints.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FileModeEndToEndIT {
  private PodOnThisMachine machine;
  private Map<String, String> appEnv;

  @BeforeAll
  void layOutThePod() throws Exception {
    machine = new PodOnThisMachine(Files.createTempDirectory("gcp-wif-e2e-file"));
    Pod pod = E2eRenderer.render("deployment-direct.yaml");
    assertThat(pod.getSpec().getInitContainers()).as("file mode adds no container").isEmpty();
    machine.layOut(pod, "app");
    appEnv = machine.kubelet.render(machine.layout, "app").env();
  }

  @AfterAll
  void close() {
    if (machine != null) {
      machine.close();
    }
  }

  @Test
  void gcloudStorageLsExchangesTheTokenItself() throws Exception {
    int stsBefore = machine.google.stsCalls().size();
    CloudSdk.Result result = machine.sdk.gcloud(appEnv, Map.of(
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE", machine.storageHttp.jsonApiEndpoint(),
            "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE", machine.caPem.toString()),
        "storage", "ls", "gs://" + PodOnThisMachine.BUCKET);
    assertThat(result.exitCode()).as(result.describe()).isZero();
    assertThat(result.stdout()).contains("gs://" + PodOnThisMachine.BUCKET + "/" + FakeCloudStorage.OBJECT_NAME);
    assertTheProjectedTokenWasExchangedSince(stsBefore);
    assertLastListingCarriesAnIamToken(machine.storageHttp);
  }

  @Test
  void gsutilRunDirectlyFindsTheCredentialFileThroughItsBoto() throws Exception {
    int stsBefore = machine.google.stsCalls().size();
    CloudSdk.Result result = machine.sdk.gsutil(appEnv,
        // gsutil's external-account path calls STS through google-auth and requests, which trust REQUESTS_CA_BUNDLE.
        Map.of("REQUESTS_CA_BUNDLE", machine.caPem.toString()), machine.gsutilStorageOverrides(),
        "ls", "gs://" + PodOnThisMachine.BUCKET);
    assertThat(result.exitCode()).as(result.describe()).isZero();
    assertThat(result.stdout()).contains("gs://" + PodOnThisMachine.BUCKET + "/" + FakeCloudStorage.OBJECT_NAME);
    assertTheProjectedTokenWasExchangedSince(stsBefore);
    assertLastListingCarriesAnIamToken(machine.storageHttps);
  }

  @Test
  void bundledPythonGoogleAuthDefaultReadsTheCredentialFile() throws Exception {
    int stsBefore = machine.google.stsCalls().size();
    CloudSdk.Result result = machine.sdk.python(appEnv, Map.of("REQUESTS_CA_BUNDLE", machine.caPem.toString()),
        MetadataModeEndToEndIT.pythonProbe(), machine.storageHttp.listUrl(PodOnThisMachine.BUCKET));
    assertThat(result.exitCode()).as(result.describe()).isZero();
    assertThat(result.stdout()).contains("google.auth.identity_pool");
    assertTheProjectedTokenWasExchangedSince(stsBefore);
    assertLastListingCarriesAnIamToken(machine.storageHttp);
  }

  @Test
  void javaGetApplicationDefaultReadsTheCredentialFile() throws Exception {
    int stsBefore = machine.google.stsCalls().size();
    CloudSdk.Result result = machine.sdk.java(appEnv, Map.of(),
        List.of(machine.jvmTrustOptions().split(" ")), AdcProbe.class,
        machine.storageHttp.listUrl(PodOnThisMachine.BUCKET));
    assertThat(result.exitCode()).as(result.describe()).isZero();
    assertThat(result.stdout()).contains("credentials=IdentityPoolCredentials");
    assertTheProjectedTokenWasExchangedSince(stsBefore);
    assertLastListingCarriesAnIamToken(machine.storageHttp);
  }

  private void assertTheProjectedTokenWasExchangedSince(int stsCallsBefore) {
    List<RecordedCall> sts = machine.google.stsCalls();
    assertThat(sts.size()).as("STS exchanges by this client").isGreaterThan(stsCallsBefore);
    assertThat(sts.subList(stsCallsBefore, sts.size())).allSatisfy(call ->
        assertThat(call.form()).containsEntry("subject_token", PodOnThisMachine.SUBJECT_TOKEN)
            .containsEntry("audience", PodOnThisMachine.PROVIDER_AUDIENCE));
  }

  private void assertLastListingCarriesAnIamToken(FakeCloudStorage storage) {
    List<String> authorizations = storage.listingAuthorizations();
    assertThat(authorizations).as("object listings received").isNotEmpty();
    String last = authorizations.get(authorizations.size() - 1);
    assertThat(machine.google.issuedAccessTokens.stream().map(t -> "Bearer " + t)).contains(last);
  }
}
