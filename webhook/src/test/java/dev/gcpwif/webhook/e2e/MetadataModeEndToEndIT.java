package dev.gcpwif.webhook.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.testsupport.CloudSdk;
import dev.gcpwif.testsupport.FakeCloudStorage;
import dev.gcpwif.testsupport.Ports;
import dev.gcpwif.testsupport.SidecarProcess;
import dev.gcpwif.webhook.mutation.core.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 4 end to end, metadata mode, with no cluster: the mutation renders a Deployment's pod, the kubelet stand-in
 * lays out its volumes, the real sidecar jar runs from the rendered container's args and env against a fake STS/IAM over
 * TLS, and the real gcloud, gsutil (run directly), bundled Python google-auth and Java google-auth use it with only
 * the app container's env and mounts. Each asserts that the Bearer token reaching storage is one the fake IAM issued.
 * Only the sidecar mounts the projected token; the app container mounts the boto file alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetadataModeEndToEndIT {
  private static final String MOUNT_PATH = "/var/run/secrets/sts.googleapis.com/serviceaccount";
  private PodOnThisMachine machine;
  private Pod pod;
  private SidecarProcess sidecar;
  private KubeletStandIn.RenderedContainer sidecarContainer;
  private KubeletStandIn.RenderedContainer appContainer;
  private Map<String, String> appEnv;

  @BeforeAll
  void startThePod() throws Exception {
    machine = new PodOnThisMachine(Files.createTempDirectory("gcp-wif-e2e-metadata"));
    int port = Ports.free();
    int healthPort = Ports.free();
    pod = E2eRenderer.render("deployment-metadata.yaml",
        "--sidecar-port", String.valueOf(port), "--sidecar-health-port", String.valueOf(healthPort));
    String sidecarName = Names.SIDECAR_CONTAINER;
    assertThat(pod.getSpec().getInitContainers()).first().satisfies(c -> assertThat(c.getName()).isEqualTo(sidecarName));

    machine.layOut(pod, sidecarName);
    sidecarContainer = machine.kubelet.render(machine.layout, sidecarName);
    // The test's only addition to the sidecar's env: trust the fake Google's CA.
    Map<String, String> sidecarEnv = new HashMap<>(sidecarContainer.env());
    sidecarEnv.put("JAVA_TOOL_OPTIONS", machine.jvmTrustOptions());
    sidecar = SidecarProcess.start(sidecarContainer.args(), sidecarEnv, machine.work.resolve("sidecar.log"));
    sidecar.awaitOk(URI.create("http://127.0.0.1:" + healthPort + "/readyz"), Duration.ofSeconds(60));
    appContainer = machine.kubelet.render(machine.layout, "app");
    appEnv = appContainer.env();
  }

  @AfterAll
  void stopThePod() throws Exception {
    if (sidecar != null) {
      sidecar.close();
    }
    if (machine != null) {
      machine.close();
    }
  }

  @Test
  void theAppContainerHasOneTokenSourceTheMetadataServer() {
    assertThat(appEnv).doesNotContainKeys("GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE")
        .containsKeys("GCE_METADATA_HOST", "GCE_METADATA_ROOT", "GCE_METADATA_IP");
  }

  @Test
  void theAppContainerMountsTheBotoFileAloneAndOnlyTheSidecarTheToken() throws Exception {
    Container app = pod.getSpec().getContainers().stream().filter(c -> "app".equals(c.getName())).findFirst().orElseThrow();
    assertThat(app.getVolumeMounts()).extracting(VolumeMount::getName).containsExactly("gcp-workload-identity-boto");
    Path appFolder = appContainer.mounts().get(MOUNT_PATH);
    try (Stream<Path> files = Files.list(appFolder)) {
      assertThat(files.map(file -> file.getFileName().toString())).containsExactly("boto.cfg");
    }
    assertThat(appFolder.resolve("boto.cfg")).content().contains("[GoogleCompute]", "service_account = default")
        .doesNotContain("gs_external_account_file");
    assertThat(appEnv.get("BOTO_PATH")).startsWith(appFolder.resolve("boto.cfg") + ":");

    Path tokenFolder = machine.layout.volume("gcp-workload-identity");
    assertThat(tokenFolder.resolve("token")).hasContent(PodOnThisMachine.SUBJECT_TOKEN);
    assertThat(appContainer.mounts()).doesNotContainValue(tokenFolder);
    java.util.regex.Pattern tokenFolderPath =
        java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(tokenFolder.toString()) + "(/|:|$)");
    assertThat(appEnv.values()).noneMatch(value -> tokenFolderPath.matcher(value).find());
    assertThat(sidecarContainer.mounts()).containsEntry(MOUNT_PATH, tokenFolder);
  }

  /**
   * The harness is only as strict as its stand-in: it maps the paths a container's spec mounts and nothing else. Without
   * the boto mount the same gsutil finds no {@code [GoogleCompute] service_account} and sends no token, so the passing
   * gsutil test depends on the mount the webhook gives the app container.
   */
  @Test
  void withoutItsBotoMountTheSameGsutilSendsNoToken() throws Exception {
    Pod unmounted = new KubernetesSerialization().clone(pod);
    unmounted.getSpec().getContainers().stream().filter(c -> "app".equals(c.getName()))
        .forEach(c -> c.setVolumeMounts(List.of()));
    Map<String, String> env = machine.kubelet.render(
        new KubeletStandIn.Layout(unmounted, machine.layout.volumeDirs()), "app").env();
    assertThat(env.get("BOTO_PATH")).startsWith(MOUNT_PATH + "/boto.cfg:");
    int before = machine.storageHttps.listingAuthorizations().size();

    CloudSdk.Result result = machine.sdk.gsutil(env, Map.of(), machine.gsutilStorageOverrides(),
        "ls", "gs://" + PodOnThisMachine.BUCKET);

    List<String> listings = machine.storageHttps.listingAuthorizations();
    Set<String> issued = machine.google.issuedAccessTokens.stream().map(t -> "Bearer " + t).collect(Collectors.toSet());
    assertThat(listings.subList(before, listings.size())).as(result.describe()).noneMatch(issued::contains);
  }

  @Test
  void theSidecarExchangedTheProjectedTokenAtStsAndImpersonated() {
    assertThat(machine.google.stsCalls()).isNotEmpty().allSatisfy(call -> {
      assertThat(call.form()).containsEntry("subject_token", PodOnThisMachine.SUBJECT_TOKEN)
          .containsEntry("audience", PodOnThisMachine.PROVIDER_AUDIENCE)
          .containsEntry("subject_token_type", "urn:ietf:params:oauth:token-type:jwt");
    });
    assertThat(machine.google.iamAccessTokenCalls()).isNotEmpty().allSatisfy(call -> assertThat(call.path())
        .isEqualTo("/v1/projects/-/serviceAccounts/" + PodOnThisMachine.EMAIL + ":generateAccessToken"));
  }

  @Test
  void gcloudStorageLsSendsTheImpersonatedToken() throws Exception {
    CloudSdk.Result result = machine.sdk.gcloud(appEnv,
        Map.of("CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE", machine.storageHttp.jsonApiEndpoint()),
        "storage", "ls", "gs://" + PodOnThisMachine.BUCKET);
    assertThat(result.exitCode()).as(result.describe()).isZero();
    assertThat(result.stdout()).contains("gs://" + PodOnThisMachine.BUCKET + "/" + FakeCloudStorage.OBJECT_NAME);
    assertLastListingCarriesAnIamToken(machine.storageHttp);
  }

  @Test
  void gsutilRunDirectlyWithTheContainersBotoSendsTheImpersonatedToken() throws Exception {
    CloudSdk.Result result = machine.sdk.gsutil(appEnv, Map.of(), machine.gsutilStorageOverrides(),
        "ls", "gs://" + PodOnThisMachine.BUCKET);
    assertThat(result.exitCode()).as(result.describe()).isZero();
    assertThat(result.stdout()).contains("gs://" + PodOnThisMachine.BUCKET + "/" + FakeCloudStorage.OBJECT_NAME);
    assertLastListingCarriesAnIamToken(machine.storageHttps);
  }

  @Test
  void bundledPythonGoogleAuthDefaultUsesTheMetadataServer() throws Exception {
    CloudSdk.Result result = machine.sdk.python(appEnv, Map.of(), pythonProbe(),
        machine.storageHttp.listUrl(PodOnThisMachine.BUCKET));
    assertThat(result.exitCode()).as(result.describe()).isZero();
    assertThat(result.stdout()).contains("google.auth.compute_engine");
    assertLastListingCarriesAnIamToken(machine.storageHttp);
  }

  @Test
  void javaGetApplicationDefaultUsesTheMetadataServer() throws Exception {
    CloudSdk.Result result = machine.sdk.java(appEnv, Map.of(), List.of(), AdcProbe.class,
        machine.storageHttp.listUrl(PodOnThisMachine.BUCKET));
    assertThat(result.exitCode()).as(result.describe()).isZero();
    assertThat(result.stdout()).contains("credentials=ComputeEngineCredentials");
    assertLastListingCarriesAnIamToken(machine.storageHttp);
  }

  private void assertLastListingCarriesAnIamToken(FakeCloudStorage storage) {
    List<String> authorizations = storage.listingAuthorizations();
    assertThat(authorizations).as("object listings received").isNotEmpty();
    String last = authorizations.get(authorizations.size() - 1);
    assertThat(machine.google.issuedAccessTokens).as("tokens the fake IAM issued").isNotEmpty();
    assertThat(machine.google.issuedAccessTokens.stream().map(t -> "Bearer " + t)).contains(last);
  }

  static Path pythonProbe() {
    return E2eRenderer.RESOURCES.resolve("adc_probe.py").toAbsolutePath();
  }
}
