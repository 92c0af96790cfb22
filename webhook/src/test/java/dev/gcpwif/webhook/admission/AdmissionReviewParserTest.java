package dev.gcpwif.webhook.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AdmissionReviewParserTest {
  private final AdmissionReviewParser parser = new AdmissionReviewParser(new KubernetesSerialization());

  static Stream<Arguments> malformedBodies() {
    String pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[]}}";
    String podKind = "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"operation\":\"CREATE\"";
    return Stream.of(
        Arguments.of("", "empty body: expected an admission.k8s.io/v1 AdmissionReview"),
        Arguments.of("not json at all", "body is not valid JSON"),
        Arguments.of("{\"apiVersion\":", "body is not valid JSON"),
        Arguments.of("apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\n", "body is not valid JSON"),
        Arguments.of("[1,2]", "body is not a JSON object: expected an AdmissionReview"),
        Arguments.of("{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{}}",
            "expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got admission.k8s.io/v1beta1 and AdmissionReview"),
        Arguments.of("{\"kind\":\"Pod\"}",
            "expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got no apiVersion and Pod"),
        Arguments.of("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
            "AdmissionReview has no request"),
        Arguments.of("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{" + podKind
            + ",\"object\":" + pod + "}}", "AdmissionReview request has no uid"),
        Arguments.of("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u1\","
            + podKind + "}}", "Pod CREATE request has no object"),
        Arguments.of("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u1\","
            + podKind + ",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}}}",
            "request.object is not a v1 Pod although request.kind is Pod"),
        Arguments.of("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u1\","
            + podKind + ",\"object\":\"a string\"}}", "request.object is not a v1 Pod although request.kind is Pod"),
        Arguments.of("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":[1]}}",
            "AdmissionReview does not match the admission.k8s.io/v1 schema"));
  }

  @ParameterizedTest
  @MethodSource("malformedBodies")
  void malformedBodyIsRejectedWithAOneLineReason(String body, String reason) {
    assertThatThrownBy(() -> parser.parse(body)).isInstanceOf(MalformedAdmissionReviewException.class)
        .hasMessageStartingWith(reason).hasMessageNotContaining("\n").hasMessageNotContaining("\tat ");
  }

  @ParameterizedTest
  @MethodSource("malformedBodies")
  void malformedBytesAreRejectedWithTheSameReasonAsText(String body, String reason) {
    ByteBuffer bytes = ByteBuffer.wrap(("  " + body + "\n").getBytes(StandardCharsets.UTF_8), 2, body.length());
    assertThatThrownBy(() -> parser.parse(bytes)).isInstanceOf(MalformedAdmissionReviewException.class)
        .hasMessageStartingWith(reason).hasMessageNotContaining("\n").hasMessageNotContaining("\tat ");
  }

  @Test
  void bytesParseInPlaceToTheSameReviewAsText() throws Exception {
    String text = AdmissionHandlerTest.resource("pod-create-from-replicaset.json");
    byte[] padded = ("xx" + text + "yy").getBytes(StandardCharsets.UTF_8);
    AdmissionReview review = parser.parse(ByteBuffer.wrap(padded, 2, padded.length - 4).slice());

    assertThat(review).isEqualTo(parser.parse(text));
  }

  @Test
  void bytesThatAreNotUtf8AreMalformedJson() {
    byte[] latin1 = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"x\":\"caf\u00e9\"}"
        .getBytes(StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> parser.parse(ByteBuffer.wrap(latin1))).isInstanceOf(MalformedAdmissionReviewException.class)
        .hasMessageStartingWith("body is not valid JSON");
  }

  @Test
  void recordedPodCreateParsesWithAPodObject() throws Exception {
    AdmissionReview review = parser.parse(AdmissionHandlerTest.resource("pod-create-from-replicaset.json"));

    assertThat(review.getRequest().getUid()).isEqualTo("0df28fbd-5f5f-11e8-bc74-36e6bb280816");
    assertThat(review.getRequest().getObject()).isInstanceOf(Pod.class);
    assertThat(AdmissionReviewParser.isPodCreate(review.getRequest())).isTrue();
  }

  @Test
  void podBoundApartFromTheReviewEqualsThePodFabric8BindsWithTheReview() throws Exception {
    // Unknown fields in the request and in the pod: kept in additionalProperties on either path.
    String text = AdmissionHandlerTest.resource("pod-create-from-replicaset.json")
        .replace("\"request\": {", "\"request\": {\"futureRequestField\":1,")
        .replace("\"spec\": {", "\"spec\": {\"futurePodField\":{\"a\":[1]},");
    assertThat(text).contains("futureRequestField");
    assertThat(text).contains("futurePodField");

    AdmissionReview parsed = parser.parse(text);
    AdmissionReview general = new KubernetesSerialization().unmarshal(text, AdmissionReview.class);

    assertThat(parsed).isEqualTo(general);
    assertThat(((Pod) parsed.getRequest().getObject()).getSpec().getAdditionalProperties())
        .containsKey("futurePodField");
  }

  @Test
  void podThatDoesNotMatchTheSchemaIsMalformed() {
    String body = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u1\","
        + "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"operation\":\"CREATE\",\"object\":"
        + "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":"
        + "[{\"name\":\"a\",\"ports\":[{\"containerPort\":\"eighty\"}]}]}}}}";

    assertThatThrownBy(() -> parser.parse(body)).isInstanceOf(MalformedAdmissionReviewException.class)
        .hasMessageStartingWith("AdmissionReview does not match the admission.k8s.io/v1 schema")
        .hasMessageNotContaining("\n");
  }

  @Test
  void nonPodKindsNeedNoPodObject() throws Exception {
    AdmissionReview review = parser.parse(AdmissionHandlerTest.resource("deployment-create.json"));

    assertThat(AdmissionReviewParser.isPodCreate(review.getRequest())).isFalse();
  }
}
