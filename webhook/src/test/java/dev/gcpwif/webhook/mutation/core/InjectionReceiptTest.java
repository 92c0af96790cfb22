package dev.gcpwif.webhook.mutation.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.mutation.MutationResult;
import dev.gcpwif.webhook.mutation.PodMutator;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InjectionReceiptTest {
  private static final String PROVIDER =
      "projects/123456789012/locations/global/workloadIdentityPools/on-prem/providers/cluster-a";
  private static final Names NAMES = new Names("cloud.google.com");
  private final PodMutator mutator = new PodMutator(WebhookSettings.defaults());

  @Test
  void whatTheMutationWritesIsWhatParseReads() throws Exception {
    MutationResult result = mutator.mutateWithWarnings(pod(3), serviceAccount("metadata", "true"));
    InjectionReceipt written = result.receipt().orElseThrow();

    String annotation = result.pod().getMetadata().getAnnotations().get(NAMES.injection());

    assertThat(annotation).isEqualTo(written.render());
    assertThat(InjectionReceipt.parse(annotation)).isEqualTo(written);
    assertThat(written.mode()).isEqualTo(InjectionMode.METADATA);
    assertThat(written.sidecar()).isEqualTo(Names.SIDECAR_CONTAINER);
    assertThat(written.hostAliases()).containsEntry(Names.LOOPBACK, List.of(Names.METADATA_HOSTNAME));
    assertThat(written.sysctls()).extracting(InjectionReceipt.SysctlChange::name)
        .containsExactly(Names.UNPRIVILEGED_PORT_SYSCTL);
    assertThat(written.volumes())
        .containsExactly(Names.CREDENTIALS_VOLUME, Names.SIDECAR_TMP_VOLUME, Names.BOTO_VOLUME);
  }

  /** The receipt grows with what was added, not with the pod: containers given the same share one entry. */
  @Test
  void containersGivenTheSameAdditionsShareOneEntry() throws Exception {
    InjectionReceipt receipt = mutator.mutateWithWarnings(pod(50), serviceAccount("direct", null)).receipt()
        .orElseThrow();

    assertThat(receipt.containers()).hasSize(1);
    assertThat(receipt.containers().get(0).names()).hasSize(50).startsWith("c-0", "c-1");
    assertThat(receipt.containers().get(0).env()).startsWith(Names.GOOGLE_APPLICATION_CREDENTIALS);
    // 50 names of 3-4 characters and one list of variables: far less than the ~25 KB the injection added.
    assertThat(receipt.render().length()).isLessThan(1200);
  }

  @Test
  void aReceiptMatchesTheIdentityItWasRenderedFromAndSaysWhatChanged() throws Exception {
    MutationResult result = mutator.mutateWithWarnings(pod(1), serviceAccount("direct", null));
    InjectionReceipt receipt = result.receipt().orElseThrow();

    assertThat(receipt.differencesFrom(result.identity().orElseThrow())).isEmpty();

    WorkloadIdentity now = new WorkloadIdentity(PROVIDER, Optional.of("other@my-project.iam.gserviceaccount.com"),
        "sts.googleapis.com", 86400, InjectionMode.METADATA, Set.of(), Optional.of("my-project"));
    assertThat(receipt.differencesFrom(now)).containsExactly(
        "mode was direct, is now metadata",
        "service account email was storage-reader@my-project.iam.gserviceaccount.com, is now"
            + " other@my-project.iam.gserviceaccount.com");
  }

  @Test
  void missingFromListsTheAdditionsSomeoneElseRemoved() throws Exception {
    MutationResult result = mutator.mutateWithWarnings(pod(2), serviceAccount("direct", null));
    InjectionReceipt receipt = result.receipt().orElseThrow();
    Pod pod = result.pod();
    assertThat(receipt.missingFrom(pod, NAMES)).isEmpty();

    Container first = pod.getSpec().getContainers().get(0);
    first.getEnv().removeIf(e -> e.getName().equals(Names.GOOGLE_APPLICATION_CREDENTIALS));
    first.getVolumeMounts().clear();
    pod.getSpec().getVolumes().clear();

    assertThat(receipt.missingFrom(pod, NAMES)).containsExactly(
        "volume gcp-workload-identity",
        "container c-0 env GOOGLE_APPLICATION_CREDENTIALS",
        "container c-0 mount of gcp-workload-identity at " + Names.MOUNT_PATH);
  }

  /**
   * The receipt is matched against a pod the API server has not validated yet: an entry without a name (a fuzz test
   * found one) is not ours, stays where it is, and does not stop the removal of what is.
   */
  @Test
  void removeFromLeavesNamelessEntriesInPlace() throws Exception {
    MutationResult result = mutator.mutateWithWarnings(pod(1), serviceAccount("metadata", "true"));
    InjectionReceipt receipt = result.receipt().orElseThrow();
    Pod pod = result.pod();
    pod.getSpec().getVolumes().add(new io.fabric8.kubernetes.api.model.Volume());
    pod.getSpec().getContainers().add(new Container());
    pod.getSpec().getInitContainers().add(new Container());
    Container app = pod.getSpec().getContainers().get(0);
    app.getEnv().add(new io.fabric8.kubernetes.api.model.EnvVar());
    app.getVolumeMounts().add(new io.fabric8.kubernetes.api.model.VolumeMount());
    List<String> hostnames = new java.util.ArrayList<>(pod.getSpec().getHostAliases().get(0).getHostnames());
    hostnames.add(null);
    pod.getSpec().getHostAliases().get(0).setHostnames(hostnames);
    pod.getSpec().getHostAliases().add(new io.fabric8.kubernetes.api.model.HostAlias());
    List<io.fabric8.kubernetes.api.model.Sysctl> sysctls =
        new java.util.ArrayList<>(pod.getSpec().getSecurityContext().getSysctls());
    sysctls.add(new io.fabric8.kubernetes.api.model.Sysctl());
    pod.getSpec().getSecurityContext().setSysctls(sysctls);

    receipt.removeFrom(pod, true);

    assertThat(pod.getSpec().getVolumes()).extracting(io.fabric8.kubernetes.api.model.Volume::getName)
        .containsExactly((String) null);
    assertThat(pod.getSpec().getContainers()).extracting(Container::getName).containsExactly("c-0", null);
    assertThat(app.getEnv()).extracting(io.fabric8.kubernetes.api.model.EnvVar::getName)
        .containsExactly((String) null);
    assertThat(app.getVolumeMounts()).extracting(io.fabric8.kubernetes.api.model.VolumeMount::getName)
        .containsExactly((String) null);
    assertThat(pod.getSpec().getHostAliases()).hasSize(2);
    assertThat(pod.getSpec().getHostAliases().get(0).getHostnames()).containsExactly((String) null);
    assertThat(receipt.missingFrom(pod, NAMES)).isNotEmpty();
  }

  @Test
  void parseRefusesWhatItDidNotWriteSayingWhy() {
    assertThatThrownBy(() -> InjectionReceipt.parse("{")).hasMessage("not JSON");
    assertThatThrownBy(() -> InjectionReceipt.parse("[]")).hasMessage("not a JSON object");
    assertThatThrownBy(() -> InjectionReceipt.parse("{\"v\":2}")).hasMessage("\"v\" is not 1");
    assertThatThrownBy(() -> InjectionReceipt.parse("{\"v\":1,\"mode\":\"file\"}"))
        .hasMessage("\"mode\" is not one of direct, gcloud, metadata");
    assertThatThrownBy(() -> InjectionReceipt.parse(
        "{\"v\":1,\"mode\":\"direct\",\"tokenExpiration\":600,\"volumes\":[1]}"))
        .hasMessage("\"volumes\" has an entry that is not a string");
    assertThatThrownBy(() -> InjectionReceipt.parse(
        "{\"v\":1,\"mode\":\"direct\",\"tokenExpiration\":600,\"containers\":{}}"))
        .hasMessage("\"containers\" is not an array");
  }

  private static Pod pod(int containers) {
    PodBuilder pod = new PodBuilder().withNewMetadata().withName("app").withNamespace("team-a").endMetadata()
        .withNewSpec().withServiceAccountName("app").endSpec();
    for (int i = 0; i < containers; i++) {
      pod.editSpec().addNewContainer().withName("c-" + i).withImage("app:1").endContainer().endSpec();
    }
    return pod.build();
  }

  private static ServiceAccount serviceAccount(String mode, String metadataHostname) {
    ServiceAccountBuilder sa = new ServiceAccountBuilder().withNewMetadata().withName("app").withNamespace("team-a")
        .addToAnnotations(NAMES.provider(), PROVIDER)
        .addToAnnotations(NAMES.serviceAccountEmail(), "storage-reader@my-project.iam.gserviceaccount.com")
        .addToAnnotations(NAMES.injectionMode(), mode)
        .endMetadata();
    if (metadataHostname != null) {
      sa.editMetadata().addToAnnotations(NAMES.metadataHostname(), metadataHostname).endMetadata();
    }
    return sa.build();
  }
}
