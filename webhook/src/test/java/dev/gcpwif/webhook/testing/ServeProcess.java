package dev.gcpwif.webhook.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.testsupport.Ports;
import dev.gcpwif.webhook.testing.TestTls.KeyKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code webhook.jar serve} in its own JVM, as a replica runs: HTTPS on a free loopback port with a serving pair from
 * {@link TestTls}, the API server of a kubeconfig written for fabric8's mock server, no shutdown delay. Its output goes
 * to {@code webhook.log} in the test's directory.
 */
public final class ServeProcess implements AutoCloseable {
  private static final Path JAR = Path.of("target/webhook.jar").toAbsolutePath();

  public final Process process;
  /** The HTTPS port on 127.0.0.1 (the certificate names localhost). */
  public final int port;
  private final Path log;

  private ServeProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * @param jvmOptions before {@code -jar}
   * @param environment added to this JVM's
   * @param serveArgs after {@code serve}, before the address, TLS and kubeconfig flags this class gives
   */
  public static ServeProcess start(TestTls tls, String apiServerUrl, Path dir, List<String> jvmOptions,
      Map<String, String> environment, List<String> serveArgs) throws IOException {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    TestTls.write(tls.leaf(KeyKind.EC_PKCS8, "webhook"), KeyKind.EC_PKCS8, cert, key);
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters: [{name: mock, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
        users: [{name: mock, user: {token: not-a-real-token}}]
        contexts: [{name: mock, context: {cluster: mock, user: mock, namespace: default}}]
        current-context: mock
        """.formatted(apiServerUrl));
    int port = Ports.free();
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", JAR.toString(), "serve"));
    command.addAll(serveArgs);
    command.addAll(List.of("--address=127.0.0.1", "--port=" + port, "--tls-cert-file=" + cert, "--tls-key-file=" + key,
        "--kubeconfig=" + kubeconfig, "--shutdown-delay=0s", "--shutdown-grace=2s"));
    Path log = dir.resolve("webhook.log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    return new ServeProcess(builder.start(), port, log);
  }

  /** Polls {@code ready} (an IOException counts as not yet) until true, for 60 s, failing at once if serve exits. */
  public void awaitReady(Callable<Boolean> ready) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      assertThat(process.isAlive()).as("webhook alive; log:\n%s", logTail()).isTrue();
      try {
        if (ready.call()) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      assertThat(System.nanoTime()).as("webhook ready within 60 s; log:\n%s", logTail()).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last 4,000 characters of the log, for failure messages. */
  public String logTail() {
    try {
      String text = Files.readString(log);
      return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** SIGTERM, as the kubelet sends it; SIGKILL after 20 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
