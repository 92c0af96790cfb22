package dev.gcpwif.webhook.mutation.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.testing.ExpectedRendering;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MetadataSidecarInjectorTableTest {

  static Stream<MetadataModeCase> cases() throws IOException {
    return MetadataModeCase.all();
  }

  static Stream<MetadataModeCase> admittedCases() throws IOException {
    return MetadataModeCase.all().filter(c -> !c.expectsError());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rendersTheExpectedPodOrDenial(MetadataModeCase c) throws Exception {
    Pod input = c.pod();
    if (c.expectsError()) {
      assertThatThrownBy(() -> c.injector().inject(input, c.injectedContainers(input), c.modeOptions()))
          .isInstanceOf(InvalidAnnotationException.class)
          .hasMessage(c.expectedError());
      return;
    }
    Pod actual = c.injector().inject(input, c.injectedContainers(input), c.modeOptions());
    String actualYaml = MetadataModeCase.SERIALIZATION.asYaml(actual);
    String expectedYaml = Files.exists(c.dir().resolve("expected.yaml"))
        ? MetadataModeCase.SERIALIZATION.asYaml(c.expectedPod()) : null;
    ExpectedRendering.assertRendering(actualYaml, expectedYaml,
        Path.of("target/metadata-mode-actual", c.name(), "expected.yaml"));
  }

  /** Only the sidecar exchanges the token: no other container, skipped or init, may mount a volume carrying it. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("admittedCases")
  void onlyTheSidecarMountsTheToken(MetadataModeCase c) throws Exception {
    Pod actual = c.injector().inject(c.pod(), c.injectedContainers(c.pod()), c.modeOptions());

    assertThat(TokenCarriers.appContainersMountingAToken(actual)).isEmpty();
    assertThat(TokenCarriers.sidecarMountsAToken(actual)).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("admittedCases")
  void applyingItToItsOwnOutputChangesNothing(MetadataModeCase c) throws Exception {
    Pod input = c.pod();
    Pod once = c.injector().inject(input, c.injectedContainers(input), c.modeOptions());
    Pod twice = c.injector().inject(once, c.injectedContainers(once), c.modeOptions());
    assertThat(MetadataModeCase.SERIALIZATION.asYaml(twice)).isEqualTo(MetadataModeCase.SERIALIZATION.asYaml(once));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("admittedCases")
  void neverModifiesItsInput(MetadataModeCase c) throws Exception {
    Pod input = c.pod();
    String before = MetadataModeCase.SERIALIZATION.asYaml(input);
    c.injector().inject(input, c.injectedContainers(input), c.modeOptions());
    assertThat(MetadataModeCase.SERIALIZATION.asYaml(input)).isEqualTo(before);
  }
}
