package dev.gcpwif.webhook.mutation.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WebhookSettingsTest {
  @Test
  void defaultsAreTheGoWebhooks() {
    WebhookSettings defaults = WebhookSettings.defaults();

    assertThat(defaults.annotationPrefix()).isEqualTo("cloud.google.com");
    assertThat(defaults.defaultAudience()).isEqualTo("sts.googleapis.com");
    assertThat(defaults.defaultTokenExpirationSeconds()).isEqualTo(86400);
    assertThat(defaults.tokenVolumeDefaultMode()).isEqualTo(0444);
    assertThat(defaults.defaultRegion()).isNull();
  }

  @Test
  void anEmptyRegionMeansNoRegion() {
    assertThat(new WebhookSettings("cloud.google.com", "sts.googleapis.com", 600, 0444, "", SidecarSettings.defaults())
        .defaultRegion()).isNull();
  }

  @Test
  void rejectsAPrefixThatIsNotADnsSubdomain() {
    assertThatThrownBy(() -> new WebhookSettings("Cloud.Google/com", "a", 600, 0444, null, SidecarSettings.defaults()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Cloud.Google/com");
  }

  @Test
  void rejectsATokenExpirationBelowTheKubernetesMinimum() {
    assertThatThrownBy(() -> new WebhookSettings("cloud.google.com", "a", 599, 0444, null, SidecarSettings.defaults()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("599").hasMessageContaining("600");
  }

  @Test
  void rejectsAFileModeAbove0777() {
    assertThatThrownBy(() -> new WebhookSettings("cloud.google.com", "a", 600, 01000, null, SidecarSettings.defaults()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1000");
  }

  @Test
  void rejectsAnAudienceWithWhitespace() {
    assertThatThrownBy(() -> new WebhookSettings("cloud.google.com", "a b", 600, 0444, null, SidecarSettings.defaults()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"a b\"");
  }

  @Test
  void rejectsARegionThatIsNotARegionName() {
    assertThatThrownBy(() -> new WebhookSettings("cloud.google.com", "a", 600, 0444, "Europe West",
        SidecarSettings.defaults()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Europe West");
  }
}
