package dev.gcpwif.webhook.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.mutation.core.Names;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness itself, on a hand-written metadata-mode pod (the expected rendering of the table test). */
class KubeletStandInTest {
  private static final Path METADATA_POD = Path.of("src/test/resources/e2e/hand-written-metadata-mode-pod.yaml");
  private static final String MOUNT = "/var/run/secrets/sts.googleapis.com/serviceaccount";

  @TempDir Path root;

  private Pod pod() throws Exception {
    return new KubernetesSerialization().unmarshal(Files.readString(METADATA_POD), Pod.class);
  }

  @Test
  void writesTheTokenAndTheDownwardApiFilesWithTheSpecsMode() throws Exception {
    KubeletStandIn kubelet = new KubeletStandIn("header.payload.sig");
    KubeletStandIn.Layout layout = kubelet.layOut(pod(), root);
    Path volume = layout.volume("gcp-workload-identity");

    assertThat(volume.resolve("token")).hasContent("header.payload.sig");
    assertThat(Files.readString(volume.resolve("federation.json")))
        .isEqualTo(pod().getMetadata().getAnnotations().get("cloud.google.com/external-credentials-json"));
    assertThat(volume.resolve("boto.cfg")).content().contains("[GoogleCompute]", "service_account = default");
    // defaultMode 292 = 0444
    assertThat(Files.getPosixFilePermissions(volume.resolve("token")))
        .isEqualTo(PosixFilePermissions.fromString("r--r--r--"));
    assertThat(layout.volume("gcp-metadata-server-tmp")).isEmptyDirectory();
  }

  @Test
  void rendersTheSidecarWithMountPathsReplacedByTheLayout() throws Exception {
    KubeletStandIn kubelet = new KubeletStandIn("t");
    KubeletStandIn.Layout layout = kubelet.layOut(pod(), root);
    KubeletStandIn.RenderedContainer sidecar =
        kubelet.render(layout, Names.SIDECAR_CONTAINER);

    Path volume = layout.volume("gcp-workload-identity");
    assertThat(sidecar.env()).containsEntry("GOOGLE_APPLICATION_CREDENTIALS",
        volume.resolve("federation.json").toString());
    assertThat(sidecar.args()).containsExactly("--listen", "127.0.0.1:8988", "--health-port", "8989",
        "--project-id", "my-project");
  }

  @Test
  void mapsOnlyTheVolumesTheContainersSpecMounts() throws Exception {
    KubeletStandIn kubelet = new KubeletStandIn("t");
    KubeletStandIn.Layout layout = kubelet.layOut(pod(), root);
    kubelet.remapPathsInFiles(layout, "app");

    KubeletStandIn.RenderedContainer app = kubelet.render(layout, "app");
    assertThat(app.mounts()).containsExactly(java.util.Map.entry(MOUNT, layout.volume("gcp-workload-identity-boto")));
    assertThat(app.env().get("BOTO_PATH")).isEqualTo(layout.volume("gcp-workload-identity-boto") + "/boto.cfg");
    // The app container does not mount the token volume: its files are not the app's to rewrite.
    assertThat(Files.readString(layout.volume("gcp-workload-identity").resolve("federation.json"))).contains(MOUNT);
  }

  @Test
  void remapsPathsInsideTheLaidOutFilesOfTheTestCopy() throws Exception {
    KubeletStandIn kubelet = new KubeletStandIn("t");
    KubeletStandIn.Layout layout = kubelet.layOut(pod(), root);
    kubelet.remapPathsInFiles(layout, Names.SIDECAR_CONTAINER);

    Path volume = layout.volume("gcp-workload-identity");
    assertThat(Files.readString(volume.resolve("federation.json")))
        .contains("\"file\":\"" + volume.resolve("token") + "\"")
        .doesNotContain(MOUNT);
    assertThat(Files.getPosixFilePermissions(volume.resolve("federation.json")))
        .isEqualTo(PosixFilePermissions.fromString("r--r--r--"));
  }

  @Test
  void replacesWholePathsOnly() {
    List<java.util.Map.Entry<String, Path>> mounts = List.of(java.util.Map.entry("/tmp", Path.of("/x/tmpdir")));
    assertThat(KubeletStandIn.remap("/tmp /tmp/a /var/tmp /tmpfoo a=/tmp", mounts))
        .isEqualTo("/x/tmpdir /x/tmpdir/a /var/tmp /tmpfoo a=/x/tmpdir");
  }

  @Test
  void refusesVolumesItCannotLayOutFaithfully() throws Exception {
    Pod pod = pod();
    pod.getSpec().getVolumes().add(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("cfg")
        .withNewConfigMap().withName("cm").endConfigMap().build());
    assertThatThrownBy(() -> new KubeletStandIn("t").layOut(pod, root))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("cfg");
  }
}
