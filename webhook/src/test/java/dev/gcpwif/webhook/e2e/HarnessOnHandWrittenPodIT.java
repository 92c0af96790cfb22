package dev.gcpwif.webhook.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.testsupport.CloudSdk;
import dev.gcpwif.testsupport.FakeCloudStorage;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The harness itself against the real SDK, before the mutator is merged: a hand-written file-mode pod (the input of
 * the metadata-mode table test) laid out by the kubelet stand-in, its config pointed at the fake STS/IAM, and the real
 * gcloud and gsutil listing the fake bucket with nothing but the container's env.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HarnessOnHandWrittenPodIT {
  private PodOnThisMachine machine;
  private Map<String, String> appEnv;

  @BeforeAll
  void layOut() throws Exception {
    machine = new PodOnThisMachine(Files.createTempDirectory("gcp-wif-e2e-harness"));
    Pod pod = new KubernetesSerialization().unmarshal(
        Files.readString(Path.of("src/test/resources/e2e/hand-written-file-mode-pod.yaml")), Pod.class);
    machine.layOut(pod, "app");
    appEnv = machine.kubelet.render(machine.layout, "app").env();
  }

  @AfterAll
  void close() {
    machine.close();
  }

  @Test
  void realGcloudUsesTheLaidOutCredentialFileAgainstTheFakes() throws Exception {
    CloudSdk.Result result = machine.sdk.gcloud(appEnv, Map.of(
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE", machine.storageHttp.jsonApiEndpoint(),
            "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE", machine.caPem.toString()),
        "storage", "ls", "gs://" + PodOnThisMachine.BUCKET);
    assertThat(result.exitCode()).as(result.describe()).isZero();
    assertThat(machine.google.stsCalls()).isNotEmpty().allSatisfy(call ->
        assertThat(call.form()).containsEntry("subject_token", PodOnThisMachine.SUBJECT_TOKEN));
    assertThat(machine.google.iamAccessTokenCalls()).isNotEmpty().allSatisfy(call -> assertThat(call.path())
        .isEqualTo("/v1/projects/-/serviceAccounts/app@my-project.iam.gserviceaccount.com:generateAccessToken"));
    assertThat(machine.google.issuedAccessTokens.stream().map(t -> "Bearer " + t))
        .contains(machine.storageHttp.listingAuthorizations().get(0));
  }

  @Test
  void realGsutilRunDirectlyUsesTheLaidOutBotoAgainstTheFakes() throws Exception {
    CloudSdk.Result result = machine.sdk.gsutil(appEnv,
        // gsutil's external-account path calls STS through google-auth and requests, which trust REQUESTS_CA_BUNDLE.
        Map.of("REQUESTS_CA_BUNDLE", machine.caPem.toString()), machine.gsutilStorageOverrides(),
        "ls", "gs://" + PodOnThisMachine.BUCKET);
    assertThat(result.exitCode()).as(result.describe()).isZero();
    assertThat(result.stdout()).contains("gs://" + PodOnThisMachine.BUCKET + "/" + FakeCloudStorage.OBJECT_NAME);
    assertThat(machine.google.issuedAccessTokens.stream().map(t -> "Bearer " + t))
        .contains(machine.storageHttps.listingAuthorizations().get(0));
  }

  @Test
  void bundledPythonAndJavaGoogleAuthReadTheLaidOutCredentialFile() throws Exception {
    CloudSdk.Result python = machine.sdk.python(appEnv, Map.of("REQUESTS_CA_BUNDLE", machine.caPem.toString()),
        MetadataModeEndToEndIT.pythonProbe(), machine.storageHttp.listUrl(PodOnThisMachine.BUCKET));
    assertThat(python.exitCode()).as(python.describe()).isZero();
    CloudSdk.Result jvm = machine.sdk.java(appEnv, Map.of(), java.util.List.of(machine.jvmTrustOptions().split(" ")),
        AdcProbe.class, machine.storageHttp.listUrl(PodOnThisMachine.BUCKET));
    assertThat(jvm.exitCode()).as(jvm.describe()).isZero();
    java.util.List<String> auth = machine.storageHttp.listingAuthorizations();
    assertThat(auth).hasSizeGreaterThanOrEqualTo(2);
    assertThat(machine.google.issuedAccessTokens.stream().map(t -> "Bearer " + t))
        .contains(auth.get(auth.size() - 1), auth.get(auth.size() - 2));
  }
}
