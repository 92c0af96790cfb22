package dev.gcpwif.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The metadata sidecar's shaded jar run as its own JVM, as the image runs it ({@code java -jar metadata-sidecar.jar
 * ARGS}): either against {@link FakeGoogle} with a configuration naming the fakes, or from a rendered container's
 * args and env.
 */
public final class SidecarProcess implements AutoCloseable {
  /** The jar {@code mvn package} of metadata-sidecar leaves, found from either module's directory. */
  public static final Path JAR = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize().getParent()
      .resolve("metadata-sidecar/target/metadata-sidecar.jar");
  /**
   * What the image's environment sets for the JVM (Dockerfile.sidecar): glibc's per-thread malloc arenas otherwise
   * add tens of MiB of RSS to a small JVM. A baseline measured beside the sidecar gets the same.
   */
  public static final Map<String, String> ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2");
  /** The projected token {@link #start(FakeGoogle, Path, List, String...)} lays out for the sidecar. */
  public static final String PROJECTED_TOKEN = "eyJhbGciOiJSUzI1NiJ9.projected-token-1.sig";

  public final Process process;
  /** The metadata port on 127.0.0.1, or -1 where the container's args chose it. */
  public final int port;
  public final long startedNanos;
  public final Path log;

  private SidecarProcess(Process process, int port, long startedNanos, Path log) {
    this.process = process;
    this.port = port;
    this.startedNanos = startedNanos;
    this.log = log;
  }

  /**
   * On a free loopback port, with a credential configuration naming {@code google}'s addresses and a trust store of
   * its CA, in this JVM's environment plus {@link #ENVIRONMENT}.
   */
  public static SidecarProcess start(FakeGoogle google, Path dir, List<String> jvmOptions, String... args)
      throws IOException {
    Path tokenFile = Files.writeString(dir.resolve("token"), PROJECTED_TOKEN);
    Path config = google.writeLocalConfig(dir.resolve("credential-configuration.json"), tokenFile, null);
    Path trustStore = google.ca().writeTrustStore(dir.resolve("trust.p12"));
    int port = Ports.free();
    List<String> options = new ArrayList<>(jvmOptions);
    options.addAll(TestCa.jvmTrustOptions(trustStore));
    List<String> sidecarArgs = new ArrayList<>(List.of("--listen", "127.0.0.1:" + port));
    sidecarArgs.addAll(List.of(args));
    Map<String, String> env = new java.util.HashMap<>(System.getenv());
    env.put("GOOGLE_APPLICATION_CREDENTIALS", config.toString());
    env.putAll(ENVIRONMENT);
    return start(options, sidecarArgs, env, port, dir.resolve("sidecar.log"));
  }

  /**
   * As a container's entrypoint would run it: these args, and only {@code env} (plus a PATH) in the environment.
   */
  public static SidecarProcess start(List<String> args, Map<String, String> env, Path log) throws IOException {
    Map<String, String> environment = new java.util.HashMap<>(Map.of("PATH", "/usr/bin:/bin"));
    environment.putAll(env);
    return start(List.of(), args, environment, -1, log);
  }

  private static SidecarProcess start(List<String> jvmOptions, List<String> args, Map<String, String> env, int port,
      Path log) throws IOException {
    if (!Files.isRegularFile(JAR)) {
      throw new AssertionError(JAR + " is missing: run `mvn package` (metadata-sidecar) before this test");
    }
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", JAR.toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    long started = System.nanoTime();
    return new SidecarProcess(builder.start(), port, started, log);
  }

  /** Polls {@code path} on the metadata port until it answers 200; returns the nanoseconds since the start. */
  public long awaitOk(String path, Duration timeout) throws IOException, InterruptedException {
    return awaitOk(URI.create("http://127.0.0.1:" + port + path), timeout);
  }

  /** Polls {@code url} until it answers 200; returns the nanoseconds since the process was started. */
  public long awaitOk(URI url, Duration timeout) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    int lastStatus = -1;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("the sidecar exited with " + process.exitValue() + ":\n" + logText());
      }
      try {
        lastStatus = client.send(HttpRequest.newBuilder(url).header("Metadata-Flavor", "Google")
            .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        if (lastStatus == 200) {
          return System.nanoTime() - startedNanos;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(5);
    }
    throw new AssertionError(url + " not 200 within " + timeout + " (last status " + lastStatus + "):\n" + logText());
  }

  public String logText() throws IOException {
    return Files.readString(log);
  }

  /** Resident set size in KiB, from /proc. */
  public long rssKib() throws IOException {
    return ProcStatus.rssKib(process.pid());
  }

  /** Peak resident set size since start in KiB, from /proc. */
  public long peakRssKib() throws IOException {
    return ProcStatus.peakRssKib(process.pid());
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
