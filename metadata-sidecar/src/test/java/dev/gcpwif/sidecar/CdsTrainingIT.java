package dev.gcpwif.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.testsupport.FakeGoogle;
import dev.gcpwif.testsupport.SidecarProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's application CDS steps with the shaded jar: the training run of Dockerfile.sidecar writes an archive and
 * exits 0 without any network, the sidecar then starts with that archive (as the image's entrypoint names it) and
 * serves, and a missing archive is skipped.
 */
class CdsTrainingIT {
  @TempDir Path dir;

  @Test
  void trainingRunWritesAnArchiveThatTheSidecarStartsWithAndServes() throws Exception {
    Path archive = dir.resolve("sidecar.jsa");
    List<String> training = new ArrayList<>(List.of(java(), "@" + Path.of("jvm.options").toAbsolutePath(),
        "-Xlog:cds=error", "-XX:ArchiveClassesAtExit=" + archive, "-jar", SidecarProcess.JAR.toString(), "--train"));
    Path trainingLog = dir.resolve("training.log");
    Process run = new ProcessBuilder(training).redirectErrorStream(true).redirectOutput(trainingLog.toFile()).start();
    assertThat(run.waitFor(120, TimeUnit.SECONDS)).as("training run exits").isTrue();
    String log = Files.readString(trainingLog);
    assertThat(run.exitValue()).as(log).isZero();
    assertThat(log).contains("--train: 20 requests answered as expected");
    assertThat(archive).isRegularFile();
    assertThat(Files.size(archive)).as("archive with the application's classes").isGreaterThan(1_000_000);

    try (FakeGoogle google = new FakeGoogle();
        SidecarProcess sidecar = SidecarProcess.start(google, Files.createDirectories(dir.resolve("with-archive")),
            withArchive(archive, "-Xlog:class+load=info"))) {
      sidecar.awaitOk("/readyz", Duration.ofSeconds(60));
      assertThat(sidecar.awaitOk("/computeMetadata/v1/instance/service-accounts/default/token", Duration.ofSeconds(10)))
          .isPositive();
      assertThat(google.issuedAccessTokens).isNotEmpty();
      String sidecarLog = Files.readString(sidecar.log);
      // The sidecar's own classes came from the archive, not from the jar.
      assertThat(sidecarLog).containsPattern("dev\\.gcpwif\\.sidecar\\.server\\.ExchangeHandler source: shared objects file");
      assertThat(sidecarLog).doesNotContain("[warning][cds]");
    }
  }

  @Test
  void aMissingArchiveIsSkippedAndTheSidecarStillServes() throws Exception {
    try (FakeGoogle google = new FakeGoogle();
        SidecarProcess sidecar = SidecarProcess.start(google, dir,
            withArchive(dir.resolve("absent.jsa"), "-Xlog:class+load=info"))) {
      sidecar.awaitOk("/readyz", Duration.ofSeconds(60));
      // -Xshare:auto (the default): no archive, no failure; the classes come from the jar instead.
      assertThat(Files.readString(sidecar.log))
          .containsPattern("dev\\.gcpwif\\.sidecar\\.server\\.ExchangeHandler source: file:.*metadata-sidecar\\.jar")
          .doesNotContain("Error occurred during initialization of VM");
    }
  }

  /** The image's flags (-Xshare:auto is the JVM's default, so a bad archive is skipped) plus the archive. */
  private static List<String> withArchive(Path archive, String... more) {
    List<String> options = new ArrayList<>(List.of("@" + Path.of("jvm.options").toAbsolutePath(),
        "-XX:SharedArchiveFile=" + archive));
    options.addAll(List.of(more));
    return options;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
