package dev.gcpwif.webhook.mutation.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetadataModeOptionsTest {
  private static final String KEY = "cloud.google.com/metadata-hostname";

  @Test
  void hostnameOptInIsOffWithoutAnnotation() throws Exception {
    assertThat(MetadataModeOptions.fromAnnotations(pod(Map.of()), sa(Map.of()), "cloud.google.com", null)
        .bindMetadataHostname()).isFalse();
  }

  @Test
  void serviceAccountOptsInItsPods() throws Exception {
    assertThat(MetadataModeOptions.fromAnnotations(pod(Map.of()), sa(Map.of(KEY, "true")), "cloud.google.com", null)
        .bindMetadataHostname()).isTrue();
  }

  @Test
  void podAnnotationOverridesTheServiceAccount() throws Exception {
    assertThat(MetadataModeOptions.fromAnnotations(pod(Map.of(KEY, "false")), sa(Map.of(KEY, "true")),
        "cloud.google.com", null).bindMetadataHostname()).isFalse();
  }

  @Test
  void annotationPrefixIsHonoured() throws Exception {
    assertThat(MetadataModeOptions.fromAnnotations(pod(Map.of("example.com/metadata-hostname", "true")), null,
        "example.com", "p").bindMetadataHostname()).isTrue();
  }

  @Test
  void anythingButTrueOrFalseIsDeniedNamingTheAnnotation() {
    assertThatThrownBy(() -> MetadataModeOptions.fromAnnotations(pod(Map.of(KEY, "yes")), null, "cloud.google.com",
        null))
        .isInstanceOf(InvalidAnnotationException.class)
        .hasMessage("invalid annotation cloud.google.com/metadata-hostname=\"yes\": expected \"true\" or \"false\"");
  }

  private static Pod pod(Map<String, String> annotations) {
    return new PodBuilder().withNewMetadata().withName("p").withAnnotations(annotations).endMetadata().build();
  }

  private static ServiceAccount sa(Map<String, String> annotations) {
    return new ServiceAccountBuilder().withNewMetadata().withName("sa").withAnnotations(annotations).endMetadata()
        .build();
  }
}
