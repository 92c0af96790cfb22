package dev.gcpwif.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

class BuildSmokeTest {
  @Test
  void kubernetesSerializationReadsPods() {
    Pod pod = new KubernetesSerialization().unmarshal("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}", Pod.class);
    assertThat(pod.getMetadata().getName()).isEqualTo("p");
  }
}
