package dev.gcpwif.webhook.e2e;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The metadata sidecar as a real process from its shaded jar, started from a rendered container's args and env the way
 * the image's entrypoint would ({@code java -jar metadata-sidecar.jar ARGS}).
 */
final class SidecarProcess implements AutoCloseable {
  static final Path JAR = Path.of(System.getProperty("basedir", "."))
      .toAbsolutePath().getParent().resolve("metadata-sidecar/target/metadata-sidecar.jar");

  private final Process process;
  private final Path log;

  private SidecarProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts the sidecar and waits until {@code readyz} answers 200.
   *
   * @param extraEnv the test's own additions (a trust store for the fake Google), on top of the container's env
   */
  static SidecarProcess start(KubeletStandIn.RenderedContainer container, Map<String, String> extraEnv, URI readyz,
      Path log, Duration timeout) throws IOException, InterruptedException {
    if (!Files.exists(JAR)) {
      throw new AssertionError(JAR + " is missing: run the integration tests after `mvn package` of metadata-sidecar");
    }
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", JAR.toString()));
    command.addAll(container.args());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().clear();
    builder.environment().put("PATH", "/usr/bin:/bin");
    builder.environment().putAll(container.env());
    builder.environment().putAll(extraEnv);
    SidecarProcess sidecar = new SidecarProcess(builder.start(), log);
    sidecar.awaitReady(readyz, timeout);
    return sidecar;
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  private void awaitReady(URI readyz, Duration timeout) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    int lastStatus = -1;
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new AssertionError("the sidecar exited with " + process.exitValue() + " before it was ready:\n" + log());
      }
      lastStatus = status(readyz);
      if (lastStatus == 200) {
        return;
      }
      Thread.sleep(200);
    }
    close();
    throw new AssertionError("the sidecar was not ready within " + timeout + " (last " + readyz + " status: "
        + lastStatus + "):\n" + log());
  }

  private static int status(URI uri) {
    try {
      HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
      connection.setConnectTimeout(500);
      connection.setReadTimeout(2000);
      try {
        return connection.getResponseCode();
      } finally {
        connection.disconnect();
      }
    } catch (IOException notListeningYet) {
      return -1;
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
