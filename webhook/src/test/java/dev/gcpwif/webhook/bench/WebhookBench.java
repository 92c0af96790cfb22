package dev.gcpwif.webhook.bench;

import dev.gcpwif.webhook.testing.TestTls;
import dev.gcpwif.webhook.testing.TestTls.KeyKind;
import dev.gcpwif.webhook.testing.WebhookImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;
import okhttp3.tls.HandshakeCertificates;

/**
 * Admissions per second and latency of {@code POST /mutate} for pods with 1, 5 and 20 containers over HTTPS
 * keep-alive, at fixed offered rates (open loop) and at saturation (closed loop), each as a ratio to
 * {@code POST /baseline} (a fixed AdmissionReview) in the same server process; RSS of that process. Run by
 * benchmarks/webhook-bench.sh; loopback only.
 */
public final class WebhookBench {
  public static void main(String[] args) throws Exception {
    Path jar = Path.of(System.getProperty("bench.jar", "target/webhook.jar"));
    List<String> jvm = jvmOptions();
    int seconds = Integer.getInteger("bench.seconds", 5);
    int[] rates = Arrays.stream(System.getProperty("bench.rates", "500,2000,5000").split(","))
        .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    int[] sizes = Arrays.stream(System.getProperty("bench.containers", "1,5,20").split(","))
        .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    int openConnections = Integer.getInteger("bench.connections", 32);
    int saturationConnections = Integer.getInteger("bench.saturationConnections", 8);
    int saturationRequests = Integer.getInteger("bench.saturationRequests", 30_000);
    int warmup = Integer.getInteger("bench.warmup", 10_000);
    int idleSeconds = Integer.getInteger("bench.idleSeconds", 30);
    String acceptEncoding = System.getProperty("bench.acceptEncoding", "");

    Path dir = Files.createTempDirectory("webhook-bench");
    TestTls tls = new TestTls();
    TestTls.write(tls.leaf(KeyKind.RSA_PKCS8, "webhook"), KeyKind.RSA_PKCS8, dir.resolve("tls.crt"),
        dir.resolve("tls.key"));
    SSLSocketFactory sockets = new HandshakeCertificates.Builder().addTrustedCertificate(tls.caCertificate()).build()
        .sslSocketFactory();

    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvm);
    // The shaded jar's classes (as deployed) plus this package's BenchServer, which adds /baseline to the server.
    command.addAll(List.of("-cp", Path.of("target/test-classes").toAbsolutePath() + ":" + jar.toAbsolutePath(),
        BenchServer.class.getName(), dir.toString()));
    Path log = dir.resolve("server.log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(WebhookImage.environment()); // MALLOC_ARENA_MAX and any other ENV of the image
    Process server = builder.start();
    System.out.println("server JVM flags: " + String.join(" ", jvm) + "; environment " + WebhookImage.environment()
        + " (pid " + server.pid() + ", log " + log + ")");
    System.out.printf("open loop: %d s per point over %d keep-alive connections; saturation: %d requests over %d "
        + "connections; Accept-Encoding: %s%n", seconds, openConnections, saturationRequests, saturationConnections,
        acceptEncoding.isEmpty() ? "none" : acceptEncoding);
    try {
      HttpsLoad load = new HttpsLoad(sockets, awaitPort(dir.resolve("port"), server), acceptEncoding);
      long idleRss = rssKib(server.pid());
      Map<Integer, byte[]> bodies = new LinkedHashMap<>();
      for (int size : sizes) {
        bodies.put(size, AdmissionReviews.podCreate(size));
      }
      for (var entry : bodies.entrySet()) { // warm-up: C2 compiles the hot paths of both endpoints
        checkMutated(load.closedLoop("/mutate", entry.getValue(), 4, warmup), entry.getKey());
        load.closedLoop("/baseline", entry.getValue(), 4, warmup);
      }

      System.out.println();
      System.out.println("| containers (body) | offered req/s | endpoint | achieved req/s | p50 ms | p99 ms | p99.9 ms |");
      System.out.println("|---|---|---|---|---|---|---|");
      List<String> ratios = new ArrayList<>();
      for (var entry : bodies.entrySet()) {
        String label = entry.getKey() + " (" + entry.getValue().length / 1024 + " KiB)";
        boolean mutateFellBehind = false;
        for (int rate : rates) {
          int count = rate * seconds;
          HttpsLoad.Result baseline = load.openLoop("/baseline", entry.getValue(), openConnections, rate, count);
          if (mutateFellBehind) {
            // Open loop past saturation only measures the queue: it would take minutes and say nothing new.
            System.out.printf("| %s | %d | /mutate | not run: fell behind at a lower rate | | | |%n", label, rate);
            row(label, String.valueOf(rate), "/baseline", baseline);
            continue;
          }
          HttpsLoad.Result mutate = load.openLoop("/mutate", entry.getValue(), openConnections, rate, count);
          checkMutated(mutate, entry.getKey());
          mutateFellBehind = mutate.perSecond() < 0.95 * rate;
          row(label, String.valueOf(rate), "/mutate", mutate);
          row(label, String.valueOf(rate), "/baseline", baseline);
          ratios.add(ratio(label, String.valueOf(rate), mutate, baseline));
        }
        HttpsLoad.Result mutate = load.closedLoop("/mutate", entry.getValue(), saturationConnections, saturationRequests);
        checkMutated(mutate, entry.getKey());
        HttpsLoad.Result baseline =
            load.closedLoop("/baseline", entry.getValue(), saturationConnections, saturationRequests);
        row(label, "saturation", "/mutate", mutate);
        row(label, "saturation", "/baseline", baseline);
        ratios.add(ratio(label, "saturation", mutate, baseline));
      }
      long loadedRss = rssKib(server.pid());
      // What the replica holds between bursts: whatever the GC gives back once the load stops.
      Thread.sleep(idleSeconds * 1000L);
      long settledRss = rssKib(server.pid());

      System.out.println();
      System.out.println("| containers (body) | offered req/s | achieved /mutate ÷ /baseline | p50 ratio | p99 ratio | p99.9 ratio |");
      System.out.println("|---|---|---|---|---|---|");
      ratios.forEach(System.out::println);
      System.out.println();
      System.out.printf("webhook JVM RSS: %d MiB idle after start, %d MiB after the runs above, %d MiB %d s later; "
          + "peak (VmHWM) %d MiB%n", idleRss / 1024, loadedRss / 1024, settledRss / 1024, idleSeconds,
          statusKib(server.pid(), "VmHWM:") / 1024);
      // Where that RSS is: the heap the serial collector kept committed, and NMT's areas when the flags enable it.
      System.out.println(jcmd(server.pid(), "GC.heap_info"));
      if (jvm.stream().anyMatch(flag -> flag.startsWith("-XX:NativeMemoryTracking="))) {
        System.out.println(jcmd(server.pid(), "VM.native_memory", "summary"));
      }
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
      server.destroyForcibly();
    }
  }

  private static void row(String label, String offered, String endpoint, HttpsLoad.Result r) {
    System.out.printf("| %s | %s | %s | %.0f | %.2f | %.2f | %.2f |%n", label, offered, endpoint, r.perSecond(),
        r.percentileMillis(0.50), r.percentileMillis(0.99), r.percentileMillis(0.999));
  }

  private static String ratio(String label, String offered, HttpsLoad.Result mutate, HttpsLoad.Result baseline) {
    return String.format("| %s | %s | %.2f | %.2f | %.2f | %.2f |", label, offered,
        mutate.perSecond() / baseline.perSecond(), mutate.percentileMillis(0.50) / baseline.percentileMillis(0.50),
        mutate.percentileMillis(0.99) / baseline.percentileMillis(0.99),
        mutate.percentileMillis(0.999) / baseline.percentileMillis(0.999));
  }

  /** The measured path must be the real one: an allowed review with a JSON patch that covers every container. */
  private static void checkMutated(HttpsLoad.Result result, int containers) {
    String body = result.firstBody();
    if (body == null || !body.contains("\"allowed\":true") || !body.contains("\"patchType\":\"JSONPatch\"")) {
      throw new IllegalStateException("/mutate did not answer with a patch: " + body);
    }
    int at = body.indexOf("\"patch\":\"") + 9;
    String patch = new String(java.util.Base64.getDecoder().decode(body.substring(at, body.indexOf('"', at))),
        java.nio.charset.StandardCharsets.UTF_8);
    int credentialMounts = patch.split("GOOGLE_APPLICATION_CREDENTIALS", -1).length - 1;
    if (credentialMounts < containers) {
      throw new IllegalStateException("expected GOOGLE_APPLICATION_CREDENTIALS for " + containers
          + " containers, patch has " + credentialMounts + ": " + patch);
    }
  }

  /**
   * The image's ENTRYPOINT flags after {@code -XX:MaxRAM} of the deploy's memory limit, as in the pod (without it the
   * JVM would size what is not set explicitly from the host's RAM); {@code bench.jvm} replaces them, {@code
   * bench.jvmExtra} is appended (later flags win).
   */
  private static List<String> jvmOptions() {
    List<String> flags = new ArrayList<>();
    String replaced = System.getProperty("bench.jvm");
    if (replaced != null) {
      flags.addAll(replaced.isBlank() ? List.of() : Arrays.asList(replaced.trim().split("\\s+")));
    } else {
      flags.add("-XX:MaxRAM=" + WebhookImage.deployMemoryLimitMib() + "m");
      flags.addAll(WebhookImage.jvmFlags());
    }
    String extra = System.getProperty("bench.jvmExtra", "");
    if (!extra.isBlank()) {
      flags.addAll(Arrays.asList(extra.trim().split("\\s+")));
    }
    return flags;
  }

  private static int awaitPort(Path portFile, Process server) throws Exception {
    for (int i = 0; i < 600; i++) {
      if (Files.exists(portFile)) {
        return Integer.parseInt(Files.readString(portFile).trim());
      }
      if (!server.isAlive()) {
        throw new IllegalStateException("server exited with status " + server.exitValue());
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("server did not start within 60 s");
  }

  private static String jcmd(long pid, String... command) throws Exception {
    List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        String.valueOf(pid)));
    line.addAll(List.of(command));
    Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
    String output = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    jcmd.waitFor(30, TimeUnit.SECONDS);
    return output;
  }

  static long rssKib(long pid) throws Exception {
    return statusKib(pid, "VmRSS:");
  }

  static long statusKib(long pid, String field) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new IllegalStateException("no " + field + " for pid " + pid);
  }
}
