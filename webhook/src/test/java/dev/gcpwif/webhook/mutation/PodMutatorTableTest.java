package dev.gcpwif.webhook.mutation;

import static dev.gcpwif.webhook.mutation.MutationCase.SERIALIZATION;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.admission.JsonPatchDiff;
import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.mutation.metadata.TokenCarriers;
import dev.gcpwif.webhook.testing.ExpectedRendering;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.zjsonpatch.JsonPatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The mutation, case by case, from the folders of {@code src/test/resources/mutation} (see {@link MutationCase}).
 * Expected and actual pods are compared as normalized YAML, so a failure shows a readable diff; the actual rendering of
 * a failing case is also written to {@code target/mutation-actual/CASE/expected.yaml}, to review and copy over when
 * the change is intended.
 */
class PodMutatorTableTest {

  static List<MutationCase> cases() {
    return MutationCase.all();
  }

  static List<MutationCase> admittedCases() {
    return MutationCase.all().stream().filter(c -> !c.expectsError()).toList();
  }

  static List<MutationCase> deniedCases() {
    return MutationCase.all().stream().filter(MutationCase::expectsError).toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("admittedCases")
  void mutatesThePodAsExpected(MutationCase c) throws Exception {
    Pod mutated = new PodMutator(c.settings()).mutate(c.pod(), c.serviceAccount());

    String actual = SERIALIZATION.asYaml(mutated);
    String expected = c.exists("expected.yaml") ? SERIALIZATION.asYaml(c.expectedPod()) : null;
    ExpectedRendering.assertRendering(actual, expected, Path.of("target/mutation-actual", c.name(), "expected.yaml"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("admittedCases")
  void warnsAboutEveryValueItCorrectedOrIgnored(MutationCase c) throws Exception {
    List<String> warnings = new PodMutator(c.settings()).mutateWithWarnings(c.pod(), c.serviceAccount()).warnings();

    assertThat(warnings).containsExactlyElementsOf(c.expectedWarnings());
  }

  /**
   * Least privilege: in metadata mode only the sidecar exchanges the projected token, so no app container or init
   * container (skipped ones included) may mount a volume that carries it. Checked for every case rendered in metadata
   * mode: the case itself when it is one, the case switched to metadata by the pod annotation, and the case re-run in
   * metadata mode after a direct pass. The sidecar that does hold it stays restricted.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("admittedCases")
  void inMetadataModeNoAppContainerMountsTheToken(MutationCase c) throws Exception {
    PodMutator mutator = new PodMutator(c.settings());
    String key = c.settings().annotationPrefix() + "/injection-mode";
    List<Pod> renderings = new ArrayList<>();
    renderings.add(mutator.mutate(c.pod(), c.serviceAccount()));
    renderIfAdmitted(mutator, withAnnotation(c.pod(), key, "metadata"), c).ifPresent(renderings::add);
    renderIfAdmitted(mutator, withAnnotation(c.pod(), key, "direct"), c)
        .flatMap(direct -> renderIfAdmitted(mutator, withAnnotation(direct, key, "metadata"), c))
        .ifPresent(renderings::add);

    for (Pod pod : renderings.stream().filter(TokenCarriers::hasOurSidecar).toList()) {
      assertThat(TokenCarriers.appContainersMountingAToken(pod)).as(SERIALIZATION.asYaml(pod)).isEmpty();
      assertThat(TokenCarriers.sidecarMountsAToken(pod)).as("the sidecar mounts the token").isTrue();
      assertThat(TokenCarriers.sidecarSecurityProblems(pod)).as("the sidecar's securityContext").isEmpty();
    }
  }

  private static java.util.Optional<Pod> renderIfAdmitted(PodMutator mutator, Pod pod, MutationCase c) {
    try {
      return java.util.Optional.of(mutator.mutate(pod, c.serviceAccount()));
    } catch (InvalidAnnotationException denied) {
      return java.util.Optional.empty();
    }
  }

  /** The admission endpoint's path (a copy handed over and changed in place) renders what the copying path does. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("admittedCases")
  void mutatingAHandedOverCopyInPlaceGivesWhatTheCopyingPathGives(MutationCase c) throws Exception {
    PodMutator mutator = new PodMutator(c.settings());
    MutationResult copying = mutator.mutateWithWarnings(c.pod(), c.serviceAccount());

    Pod handedOver = SERIALIZATION.convertValue(SERIALIZATION.convertValue(c.pod(), JsonNode.class), Pod.class);
    MutationResult inPlace = mutator.mutateOwnCopy(handedOver, c.serviceAccount());

    assertThat(inPlace.pod()).isSameAs(handedOver);
    assertThat(SERIALIZATION.asYaml(inPlace.pod())).isEqualTo(SERIALIZATION.asYaml(copying.pod()));
    assertThat(inPlace.warnings()).isEqualTo(copying.warnings());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deniedCases")
  void deniesThePodWithAMessageSayingWhatIsWrong(MutationCase c) {
    Throwable denial = org.assertj.core.api.Assertions.catchThrowable(
        () -> new PodMutator(c.settings()).mutate(c.pod(), c.serviceAccount()));

    assertThat(denial).as("%s is denied", c.name())
        .isInstanceOf(InvalidAnnotationException.class)
        .hasMessage(c.expectedError());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("admittedCases")
  void mutatingTwiceIsTheSameAsMutatingOnce(MutationCase c) throws Exception {
    PodMutator mutator = new PodMutator(c.settings());
    Pod once = mutator.mutate(c.pod(), c.serviceAccount());

    Pod twice = mutator.mutate(once, c.serviceAccount());

    assertThat(SERIALIZATION.asYaml(twice)).isEqualTo(SERIALIZATION.asYaml(once));
  }

  /**
   * The offline {@code inject} re-run on its own output after the ServiceAccount (or the pod) switched modes must give
   * what one pass in the new mode gives: no sidecar left in a direct-mode pod, nothing of direct mode left in a
   * metadata-mode one.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("admittedCases")
  void switchingModesBetweenPassesEqualsOnePassInTheNewMode(MutationCase c) {
    PodMutator mutator = new PodMutator(c.settings());
    String key = c.settings().annotationPrefix() + "/injection-mode";
    for (List<String> modes : List.of(List.of("metadata", "direct"), List.of("direct", "metadata"),
        List.of("gcloud", "metadata"), List.of("metadata", "gcloud"))) {
      Pod firstPass;
      try {
        firstPass = mutator.mutate(withAnnotation(c.pod(), key, modes.get(0)), c.serviceAccount());
      } catch (InvalidAnnotationException deniedInTheFirstMode) {
        continue; // nothing was rendered to switch from
      }

      String rerun = outcome(mutator, withAnnotation(firstPass, key, modes.get(1)), c.serviceAccount());

      assertThat(rerun).as("%s, then %s", modes.get(0), modes.get(1))
          .isEqualTo(outcome(mutator, withAnnotation(c.pod(), key, modes.get(1)), c.serviceAccount()));
    }
  }

  private static Pod withAnnotation(Pod pod, String key, String value) {
    Pod copy = SERIALIZATION.clone(pod);
    if (copy.getMetadata() == null) {
      copy.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
    }
    if (copy.getMetadata().getAnnotations() == null) {
      copy.getMetadata().setAnnotations(new java.util.LinkedHashMap<>());
    }
    copy.getMetadata().getAnnotations().put(key, value);
    return copy;
  }

  /** The mutated pod as YAML, or the denial. */
  private static String outcome(PodMutator mutator, Pod pod, io.fabric8.kubernetes.api.model.ServiceAccount sa) {
    try {
      return SERIALIZATION.asYaml(mutator.mutate(pod, sa));
    } catch (InvalidAnnotationException denied) {
      return "denied: " + denied.getMessage();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void neverModifiesItsInput(MutationCase c) {
    Pod input = c.pod();
    String before = SERIALIZATION.asYaml(input);

    try {
      new PodMutator(c.settings()).mutate(input, c.serviceAccount());
    } catch (InvalidAnnotationException expectedForDeniedCases) {
      // the input must be intact either way
    }

    assertThat(SERIALIZATION.asYaml(input)).isEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("admittedCases")
  void theJsonPatchTurnsTheOriginalIntoTheMutatedPod(MutationCase c) throws Exception {
    Pod original = c.pod();
    Pod mutated = new PodMutator(c.settings()).mutate(original, c.serviceAccount());

    JsonNode patch = SERIALIZATION.unmarshal(JsonPatchDiff.diff(original, mutated), JsonNode.class);
    JsonNode patched = JsonPatch.apply(patch, SERIALIZATION.convertValue(original, JsonNode.class));

    Pod result = SERIALIZATION.unmarshal(patched.toString(), Pod.class);
    assertThat(SERIALIZATION.asYaml(result)).isEqualTo(SERIALIZATION.asYaml(mutated));
  }
}
