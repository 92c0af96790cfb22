package dev.gcpwif.webhook.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.admission.AdmissionHandler;
import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.testing.TestTls.KeyKind;
import dev.gcpwif.webhook.testing.TestTls;
import dev.gcpwif.webhook.tls.ReloadingServerTls;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Nulls where the mutation reads objects, in an opted-in pod (so that the real mutation would walk them), in both
 * modes, over HTTPS: a 400 naming the field, never a 500 or a stack trace.
 */
class NullEntriesTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final TestTls TLS = new TestTls();

  @TempDir Path dir;
  private ReloadingServerTls tls;
  private WebhookServer server;
  private final OkHttpClient client = TLS.client().newBuilder().callTimeout(Duration.ofSeconds(60))
      .readTimeout(Duration.ofSeconds(60)).build();

  @BeforeEach
  void start() throws Exception {
    TestTls.write(TLS.leaf(KeyKind.EC_PKCS8, "webhook"), KeyKind.EC_PKCS8, dir.resolve("tls.crt"),
        dir.resolve("tls.key"));
    tls = new ReloadingServerTls(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    AdmissionHandler handler = new AdmissionHandler(new PodMutator(WebhookSettings.defaults())::mutateOwnCopy,
        (ns, name) -> Optional.of(new ServiceAccountBuilder().withNewMetadata().withNamespace(ns).withName(name)
            .addToAnnotations("cloud.google.com/workload-identity-provider",
                "projects/123456789/locations/global/workloadIdentityPools/onprem/providers/cluster-a")
            .endMetadata().build()),
        "cloud.google.com", SERIALIZATION);
    server = new WebhookServer("127.0.0.1", 0, tls, handler, () -> true, new WebhookMetrics(), Duration.ofSeconds(2))
        .start();
  }

  @AfterEach
  void stop() {
    client.connectionPool().evictAll();
    server.close();
    tls.close();
  }

  @ParameterizedTest(name = "{0} in {2} mode")
  @CsvSource(delimiter = '|', value = {
      "\"containers\":[null]                                                          | request.object.spec.containers[0] is null: expected a Container object | direct",
      "\"containers\":[null]                                                          | request.object.spec.containers[0] is null: expected a Container object | metadata",
      "\"initContainers\":[null],\"containers\":[{\"name\":\"a\"}]                    | request.object.spec.initContainers[0] is null: expected a Container object | metadata",
      "\"initContainers\":[null],\"containers\":[{\"name\":\"a\"}]                    | request.object.spec.initContainers[0] is null: expected a Container object | direct",
      "\"containers\":[{\"name\":\"a\",\"env\":[null]}]                               | request.object.spec.containers[0].env[0] is null: expected an EnvVar object | direct",
      "\"containers\":[{\"name\":\"a\",\"env\":[{\"name\":\"X\"},null]}]              | request.object.spec.containers[0].env[1] is null: expected an EnvVar object | metadata",
      "\"containers\":[{\"name\":\"a\",\"volumeMounts\":[null]}]                      | request.object.spec.containers[0].volumeMounts[0] is null: expected a VolumeMount object | direct",
      "\"containers\":[{\"name\":\"a\",\"ports\":[null]}]                             | request.object.spec.containers[0].ports[0] is null: expected a ContainerPort object | metadata",
      "\"containers\":[{\"name\":\"a\"}],\"volumes\":[null]                           | request.object.spec.volumes[0] is null: expected a Volume object | direct",
      "\"containers\":[{\"name\":\"a\"}],\"volumes\":[null]                           | request.object.spec.volumes[0] is null: expected a Volume object | metadata",
      "\"containers\":[{\"name\":\"a\"}],\"hostAliases\":[null]                       | request.object.spec.hostAliases[0] is null: expected a HostAlias object | metadata",
      "\"containers\":[{\"name\":\"a\"}],\"securityContext\":{\"sysctls\":[null]}     | request.object.spec.securityContext.sysctls[0] is null: expected a Sysctl object | metadata",
  })
  void aNullEntryIsA400NamingIt(String spec, String reason, String mode) throws Exception {
    Answer answer = post(review("{\"cloud.google.com/injection-mode\":\"" + mode
        + "\",\"cloud.google.com/metadata-hostname\":\"true\"}", spec.strip()));

    assertThat(answer.status()).as("status; body %s", answer.body()).isEqualTo(400);
    assertThat(answer.body().strip()).isEqualTo(reason.strip());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"cloud.google.com/injection-mode\":null}     | request.object.metadata.annotations[\"cloud.google.com/injection-mode\"] is null: annotation values must be strings",
      "{\"cloud.google.com/skip-containers\":null}    | request.object.metadata.annotations[\"cloud.google.com/skip-containers\"] is null: annotation values must be strings",
      "{\"example.com/other\":null}                   | request.object.metadata.annotations[\"example.com/other\"] is null: annotation values must be strings",
  })
  void aNullAnnotationValueIsA400NamingIt(String annotations, String reason) throws Exception {
    Answer answer = post(review(annotations.strip(), "\"containers\":[{\"name\":\"a\"}]"));

    assertThat(answer.status()).as("status; body %s", answer.body()).isEqualTo(400);
    assertThat(answer.body().strip()).isEqualTo(reason.strip());
  }

  private record Answer(int status, String body) {}

  private Answer post(String review) throws Exception {
    Request request = new Request.Builder().url("https://localhost:" + server.port() + "/mutate")
        .post(RequestBody.create(review.getBytes(StandardCharsets.UTF_8), MediaType.get("application/json"))).build();
    try (Response response = client.newCall(request).execute()) {
      return new Answer(response.code(), response.body().string());
    }
  }

  private static String review(String annotations, String spec) {
    return "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u1\","
        + "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"namespace\":\"ns\",\"operation\":\"CREATE\","
        + "\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\","
        + "\"annotations\":" + annotations + "},\"spec\":{\"serviceAccountName\":\"sa\"," + spec + "}}}}";
  }
}
