package dev.gcpwif.webhook.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A rough heap cost of the audit's pod cache for 10,000 pods shaped like a Deployment's (managedFields, status,
 * probes, resources, ten env variables): the number is printed for BENCHMARKS.md-style notes, and the test fails
 * only when the reduced cache stops being much smaller than the objects it replaces. Not a timing test.
 */
class PodCacheMemoryTest {
  private static final int PODS = 10_000;
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  @Test
  void theReducedPodCacheCostsFarLessThanWholePods() {
    long baseline = usedHeap();
    Map<String, Pod> whole = new HashMap<>();
    for (int i = 0; i < PODS; i++) {
      Pod pod = pod(i);
      whole.put(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(), pod);
    }
    long wholeBytes = usedHeap() - baseline;
    whole.clear();
    whole = null;

    baseline = usedHeap();
    ReducedPodStore reduced = new ReducedPodStore(new dev.gcpwif.webhook.mutation.core.Names("cloud.google.com"));
    for (int i = 0; i < PODS; i++) {
      Pod pod = pod(i);
      reduced.put(reduced.getKey(pod), pod);
    }
    long reducedBytes = usedHeap() - baseline;

    System.out.printf("pod cache, %d pods: whole %d KiB (%d B/pod), reduced %d KiB (%d B/pod)%n", PODS,
        wholeBytes / 1024, wholeBytes / PODS, reducedBytes / 1024, reducedBytes / PODS);
    assertThat(reduced.size()).isEqualTo(PODS);
    assertThat(reducedBytes).as("reduced cache bytes vs whole pods").isLessThan(wholeBytes * 2 / 3);
  }

  @Test
  void theCacheKeepsEveryVariableTheWebhookNames() {
    assertThat(ReducedPodStore.OUR_ENV).contains("GOOGLE_APPLICATION_CREDENTIALS", "GCE_METADATA_HOST", "BOTO_CONFIG")
        .doesNotContain("SETTING_0");
  }

  private static Pod pod(int i) {
    java.util.List<io.fabric8.kubernetes.api.model.EnvVar> env = new java.util.ArrayList<>();
    for (int e = 0; e < 10; e++) {
      env.add(new io.fabric8.kubernetes.api.model.EnvVar("SETTING_" + e, "value-" + e + "-" + i, null));
    }
    return new PodBuilder().withNewMetadata().withNamespace("ns-" + (i % 50))
        .withName("web-5d8f9c7b4-" + i).withUid(java.util.UUID.randomUUID().toString())
        .withResourceVersion(Integer.toString(100000 + i)).withGenerateName("web-5d8f9c7b4-")
        .addToLabels("app", "web").addToLabels("pod-template-hash", "5d8f9c7b4")
        .addToAnnotations("kubectl.kubernetes.io/restartedAt", "2026-12-01T10:00:00Z")
        .addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet").withName("web-5d8f9c7b4")
        .withUid(java.util.UUID.randomUUID().toString()).withController(true).endOwnerReference()
        .addToManagedFields(new ManagedFieldsEntryBuilder().withManager("kube-controller-manager")
            .withOperation("Update").withApiVersion("v1").withTime("2026-12-01T10:00:00Z").withFieldsType("FieldsV1")
            .build())
        .endMetadata().withNewSpec().withServiceAccountName("web").withNodeName("node-" + (i % 100))
        .addNewContainer().withName("app").withImage("registry.example.com/team/web:1.2." + (i % 7))
        .withArgs("--port=8080", "--log-level=info")
        .addNewPort().withContainerPort(8080).withName("http").endPort()
        .withNewResources().addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("128Mi"))
        .endResources()
        .withNewReadinessProbe().withNewHttpGet().withPath("/ready").withNewPort(8080).endHttpGet().endReadinessProbe()
        .addNewVolumeMount().withName("kube-api-access-x").withMountPath("/var/run/secrets/kubernetes.io/serviceaccount")
        .withReadOnly(true).endVolumeMount().withEnv(env).endContainer().addNewVolume().withName("kube-api-access-x").withNewProjected()
        .withDefaultMode(420).endProjected().endVolume().endSpec()
        .withNewStatus().withPhase("Running").withPodIP("10.0." + (i % 250) + "." + (i % 200))
        .withHostIP("192.168.0." + (i % 100)).withStartTime("2026-12-01T10:00:01Z")
        .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime("2026-12-01T10:00:05Z")
        .endCondition().addNewCondition().withType("ContainersReady").withStatus("True").endCondition()
        .addNewContainerStatus().withName("app").withReady(true).withRestartCount(0)
        .withImage("registry.example.com/team/web:1.2." + (i % 7))
        .withImageID("registry.example.com/team/web@sha256:" + "a".repeat(64))
        .withContainerID("containerd://" + Integer.toHexString(i).repeat(8)).endContainerStatus()
        .endStatus().build();
  }

  private static long usedHeap() {
    Runtime runtime = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return runtime.totalMemory() - runtime.freeMemory();
  }
}
