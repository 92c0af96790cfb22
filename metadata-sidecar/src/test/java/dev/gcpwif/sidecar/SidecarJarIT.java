package dev.gcpwif.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.testsupport.FakeGoogle;
import dev.gcpwif.testsupport.Ports;
import dev.gcpwif.testsupport.SidecarProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as a process, as the image runs it (jvm.options; the fakes trusted through -Djavax.net.ssl.trustStore
 * only, the configuration naming them by address): it starts, serves the real gcloud, mints ID tokens at the
 * configured IAM endpoint, answers probes on the health port, and stops cleanly on SIGTERM.
 */
class SidecarJarIT {
  @TempDir Path dir;

  @Test
  void shadedJarServesGcloudAndStopsOnSigterm() throws Exception {
    int healthPort = Ports.free();
    try (FakeGoogle google = new FakeGoogle();
        SidecarProcess sidecar = SidecarProcess.start(google, dir, jvmOptions(), "--log-level", "debug",
            "--health-port", String.valueOf(healthPort))) {
      sidecar.awaitOk("/readyz", Duration.ofSeconds(30));

      ProcessBuilder gcloud = new ProcessBuilder("/usr/lib/google-cloud-sdk/bin/gcloud", "auth", "print-access-token");
      Map<String, String> env = gcloud.environment();
      env.clear();
      env.put("PATH", "/usr/bin:/bin");
      env.put("HOME", Files.createDirectories(dir.resolve("home")).toString());
      env.put("CLOUDSDK_CONFIG", Files.createDirectories(dir.resolve("gcloud")).toString());
      env.put("CLOUDSDK_CORE_DISABLE_PROMPTS", "1");
      env.put("CLOUDSDK_CORE_DISABLE_USAGE_REPORTING", "1");
      env.put("CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK", "1");
      for (String name : List.of("GCE_METADATA_HOST", "GCE_METADATA_ROOT", "GCE_METADATA_IP")) {
        env.put(name, "127.0.0.1:" + sidecar.port);
      }
      Process run = gcloud.redirectErrorStream(true).start();
      assertThat(run.waitFor(120, TimeUnit.SECONDS)).isTrue();
      String output = new String(run.getInputStream().readAllBytes()).trim();
      assertThat(run.exitValue()).as(output).isZero();
      assertThat(google.issuedAccessTokens).contains(output);

      var client = java.net.http.HttpClient.newHttpClient();
      var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + sidecar.port
          + "/computeMetadata/v1/instance/service-accounts/default/token")).header("Metadata-Flavor", "Google").build();
      List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> burst = new java.util.ArrayList<>();
      for (int i = 0; i < 200; i++) {
        burst.add(client.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofString()));
      }
      for (var response : burst) {
        assertThat(response.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      }

      var identity = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
          + sidecar.port + "/computeMetadata/v1/instance/service-accounts/default/identity?audience=https://svc.example"))
          .header("Metadata-Flavor", "Google").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(identity.statusCode()).as(identity.body()).isEqualTo(200);
      // gcloud asked for its own audience's ID token while refreshing, through the same fake IAM
      assertThat(google.issuedIdTokens).contains(identity.body());
      assertThat(google.iamRequests("generateIdToken")).anySatisfy(call ->
          assertThat(call.getBody().utf8()).contains("\"audience\":\"https://svc.example\""));

      var ready = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + healthPort
          + "/readyz")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      var refused = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + healthPort
          + "/computeMetadata/v1/instance/service-accounts/default/token")).header("Metadata-Flavor", "Google").build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(404);
      assertThat(refused.body()).doesNotContain("access_token");

      sidecar.process.destroy();
      assertThat(sidecar.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
      String log = Files.readString(sidecar.log);
      assertThat(log).contains("serving GCE metadata on [127.0.0.1:" + sidecar.port + "] (probes also on *:" + healthPort
          + ") for " + FakeGoogle.SERVICE_ACCOUNT)
          .contains("GET /computeMetadata/v1/instance/service-accounts/" + FakeGoogle.SERVICE_ACCOUNT + "/token -> 200");
      for (String token : google.issuedAccessTokens) {
        assertThat(log).doesNotContain(token);
      }
      for (String token : google.issuedIdTokens) {
        assertThat(log).doesNotContain(token);
      }
      for (String token : google.issuedFederatedTokens) {
        assertThat(log).doesNotContain(token);
      }
      assertThat(log).doesNotContain(dev.gcpwif.sidecar.testing.SidecarFixture.SUBJECT_TOKEN);
    }
  }

  /**
   * The sidecar parses its flags itself: picocli's Java 5 class files cannot be archived for CDS and cost every pod
   * about 3 MiB (BENCHMARKS.md, issue 14). A class naming picocli would fail only when run, so the constant pools are
   * searched too (a class reference is the ASCII {@code picocli/...} there).
   */
  @Test
  void shadedJarHoldsNoPicocliAndNoClassReferringToIt() throws IOException {
    List<String> offenders = new ArrayList<>();
    try (JarFile jar = new JarFile(SidecarProcess.JAR.toFile())) {
      for (JarEntry entry : Collections.list(jar.entries())) {
        if (entry.getName().contains("picocli")) {
          offenders.add(entry.getName());
        } else if (entry.getName().endsWith(".class") && new String(jar.getInputStream(entry).readAllBytes(),
            StandardCharsets.ISO_8859_1).contains("picocli/")) {
          offenders.add(entry.getName() + " refers to picocli");
        }
      }
    }
    assertThat(offenders).isEmpty();
  }

  /** The flags the image uses, handed over as the image's entrypoint does: the launcher reads jvm.options itself. */
  static List<String> jvmOptions() {
    return List.of("@" + Path.of("jvm.options").toAbsolutePath());
  }
}
