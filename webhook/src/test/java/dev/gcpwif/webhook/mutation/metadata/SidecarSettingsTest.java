package dev.gcpwif.webhook.mutation.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.mutation.core.SidecarSettings;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class SidecarSettingsTest {

  @Test
  void defaultsAreANativeSidecarOnLoopback8988() {
    SidecarSettings defaults = SidecarSettings.defaults();
    assertThat(defaults.nativeSidecar()).isTrue();
    assertThat(defaults.loopbackAddress()).isEqualTo("127.0.0.1:8988");
    assertThat(defaults.healthPort()).isEqualTo(8989);
  }

  @Test
  void port80IsReservedForTheHostnameListener() {
    assertThatThrownBy(() -> settings(80, 8989)).hasMessageContaining("must not be 80");
  }

  @Test
  void metadataAndHealthPortsMustDiffer() {
    assertThatThrownBy(() -> settings(8988, 8988)).hasMessageContaining("must differ");
  }

  @Test
  void portsOutOfRangeAreRefused() {
    assertThatThrownBy(() -> settings(0, 8989)).hasMessage("sidecar port must be between 1 and 65535, got 0");
  }

  @Test
  void unknownPullPolicyIsRefused() {
    assertThatThrownBy(() -> new SidecarSettings("img", 8988, 8989, null, null, null, null, true, null, "Sometimes"))
        .hasMessageContaining("Always, IfNotPresent or Never");
  }


  private static SidecarSettings settings(int port, int healthPort) {
    return new SidecarSettings("img", port, healthPort, null, null, null, null, true, null, null);
  }
}
