package dev.gcpwif.webhook.mutation.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import org.junit.jupiter.api.Test;

class PodServiceAccountTest {
  @Test
  void serviceAccountNameIsTheServiceAccount() {
    assertThat(PodServiceAccount.nameOf(new PodSpecBuilder().withServiceAccountName("app")
        .withServiceAccount("other").build())).isEqualTo("app");
  }

  @Test
  @SuppressWarnings("deprecation")
  void theDeprecatedAliasIsHonouredWhenTheNameIsMissingOrEmpty() {
    PodSpec spec = new PodSpec();
    spec.setServiceAccount("legacy");
    assertThat(PodServiceAccount.nameOf(spec)).isEqualTo("legacy");
    spec.setServiceAccountName("");
    assertThat(PodServiceAccount.nameOf(spec)).isEqualTo("legacy");
  }

  @Test
  void aPodThatNamesNoneRunsAsDefault() {
    assertThat(PodServiceAccount.nameOf(new PodSpec())).isEqualTo("default");
    assertThat(PodServiceAccount.nameOf(new PodSpecBuilder().withServiceAccountName("").build())).isEqualTo("default");
    assertThat(PodServiceAccount.nameOf(null)).isEqualTo("default");
  }
}
