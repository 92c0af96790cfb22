package dev.gcpwif.sidecar.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The shaded jar run as its own JVM, as the image runs it, against {@link FakeGoogle}: the configuration points
 * token_url and the impersonation URL at the fakes and the JVM trusts their CA through a trust store.
 */
public final class SidecarProcess implements AutoCloseable {
  public static final Path JAR = Path.of("target/metadata-sidecar.jar");
  /**
   * What the image's environment sets for the JVM (Dockerfile.sidecar): glibc's per-thread malloc arenas otherwise
   * add tens of MiB of RSS to a small JVM. A baseline measured beside the sidecar gets the same.
   */
  public static final java.util.Map<String, String> ENVIRONMENT = java.util.Map.of("MALLOC_ARENA_MAX", "2");

  public final Process process;
  public final int port;
  public final long startedNanos;
  public final Path log;

  private SidecarProcess(Process process, int port, long startedNanos, Path log) {
    this.process = process;
    this.port = port;
    this.startedNanos = startedNanos;
    this.log = log;
  }

  public static SidecarProcess start(FakeGoogle google, Path dir, List<String> jvmOptions, String... args) throws Exception {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run mvn package first");
    }
    Path tokenFile = Files.writeString(dir.resolve("token"), SidecarFixture.SUBJECT_TOKEN);
    Path config = google.writeLocalConfig(dir.resolve("credential-configuration.json"), tokenFile, null);
    char[] password = "changeit".toCharArray();
    Path trustStore = google.writeTrustStore(dir.resolve("trust.p12"), password);
    int port = freePort();
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=changeit",
        "-Djavax.net.ssl.trustStoreType=PKCS12", "-jar", JAR.toString(), "--listen", "127.0.0.1:" + port));
    command.addAll(List.of(args));
    Path log = dir.resolve("sidecar.log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("GOOGLE_APPLICATION_CREDENTIALS", config.toString());
    builder.environment().putAll(ENVIRONMENT);
    long started = System.nanoTime();
    return new SidecarProcess(builder.start(), port, started, log);
  }

  /** Polls until the URL answers 200; returns the nanoseconds since the process was started. */
  public long awaitOk(String path, Duration timeout) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("sidecar exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Metadata-Flavor", "Google").timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return System.nanoTime() - startedNanos;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException(path + " not ready within " + timeout + ":\n" + Files.readString(log));
  }

  /** Resident set size in KiB, from /proc. */
  public long rssKib() throws IOException {
    return ProcStatus.rssKib(process.pid());
  }

  /** Peak resident set size since start in KiB, from /proc. */
  public long peakRssKib() throws IOException {
    return ProcStatus.peakRssKib(process.pid());
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
