package dev.gcpwif.sidecar.bench;

import dev.gcpwif.testsupport.FakeGoogle;
import dev.gcpwif.testsupport.Ports;
import dev.gcpwif.testsupport.ProcStatus;
import dev.gcpwif.testsupport.SidecarProcess;
import dev.gcpwif.testsupport.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cached token requests per second and latency against the shaded jar, as a ratio to a static JDK server with the same
 * JVM flags and to the same server after one google-auth exchange ({@link AuthFloorServer}: what the library leaves
 * resident); RSS and peak RSS after the run and after a burst of cold clients; start-up to the first served request.
 * Run by benchmarks/sidecar-bench.sh.
 */
public final class SidecarBench {
  private static final String TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token";

  public static void main(String[] args) throws Exception {
    int requests = Integer.getInteger("bench.requests", 100_000);
    int connections = Integer.getInteger("bench.connections", 4);
    List<String> baselineJvm = jvmOptions();
    List<String> jvm = new ArrayList<>(baselineJvm);
    Path dir = Files.createTempDirectory("sidecar-bench");
    if (Boolean.getBoolean("bench.cds")) {
      jvm.add("-XX:SharedArchiveFile=" + trainCdsArchive(jvm, dir));
    }
    System.out.println("JVM flags: " + String.join(" ", jvm));
    System.out.println("requests: " + requests + ", keep-alive connections: " + connections);

    List<Long> startups = new ArrayList<>();
    List<Long> readies = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      try (FakeGoogle google = new FakeGoogle();
          SidecarProcess sidecar = SidecarProcess.start(google, Files.createTempDirectory(dir, "start"), jvm)) {
        startups.add(TimeUnit.NANOSECONDS.toMillis(sidecar.awaitOk("/healthz", Duration.ofSeconds(60))));
        readies.add(TimeUnit.NANOSECONDS.toMillis(sidecar.awaitOk("/readyz", Duration.ofSeconds(60))));
      }
    }
    System.out.printf("start to first served request (/healthz): %s ms (3 runs)%n", startups);
    System.out.printf("start to first token cached (/readyz, incl. fake STS+IAM over TLS): %s ms%n", readies);

    // Only its own class on the class path: it needs nothing else, and the sidecar runs from one jar.
    Baseline baseline = baseline(baselineJvm, List.of("-cp", classDirectoryOf(StaticServer.class),
        StaticServer.class.getName()), connections, requests);
    Baseline floor;
    try (FakeGoogle google = new FakeGoogle()) {
      // The same trust set-up as SidecarProcess gives the sidecar; the sidecar's classes from its own jar.
      Path floorDir = Files.createTempDirectory(dir, "floor");
      Path config = google.writeLocalConfig(floorDir.resolve("credential-configuration.json"),
          Files.writeString(floorDir.resolve("token"), SidecarProcess.PROJECTED_TOKEN), null);
      List<String> floorJvm = new ArrayList<>(baselineJvm);
      floorJvm.addAll(TestCa.jvmTrustOptions(google.ca().writeTrustStore(floorDir.resolve("trust.p12"))));
      floor = baseline(floorJvm, List.of("-cp", classDirectoryOf(AuthFloorServer.class) + java.io.File.pathSeparator
          + SidecarProcess.JAR, AuthFloorServer.class.getName()), connections, requests, config.toString());
      if (google.stsRequests.size() != 1 || google.iamRequests("generateAccessToken").size() != 1) {
        throw new IllegalStateException("the google-auth floor made " + google.stsRequests.size() + " STS and "
            + google.iamRequests("generateAccessToken").size() + " generateAccessToken calls, expected 1 and 1");
      }
    }

    LoadClient.Result[] sidecarRun = new LoadClient.Result[1];
    LoadClient.Result sidecarResult;
    long threadsIdle;
    long threadsPeakLoad;
    long sidecarRssIdle;
    long sidecarRss;
    long sidecarPeak;
    List<String> loadJvm = new ArrayList<>(jvm);
    Path classLog = dir.resolve("class-load.log");
    if (Boolean.getBoolean("bench.nmt")) {
      // NMT adds a few MiB of its own; the RSS of this run is then not the image's
      loadJvm.addAll(List.of("-XX:NativeMemoryTracking=summary", "-Xlog:class+load=info:file=" + classLog));
    }
    try (FakeGoogle google = new FakeGoogle();
        SidecarProcess sidecar = SidecarProcess.start(google, Files.createTempDirectory(dir, "load"), loadJvm)) {
      sidecar.awaitOk("/readyz", Duration.ofSeconds(60));
      sidecarRssIdle = sidecar.rssKib();
      threadsIdle = ProcStatus.threads(sidecar.process.pid());
      LoadClient.run(sidecar.port, TOKEN, connections, requests / 10);
      threadsPeakLoad = ProcStatus.peakThreadsDuring(sidecar.process.pid(),
          () -> LoadClient.run(sidecar.port, TOKEN, connections, requests), result -> sidecarRun[0] = result);
      sidecarResult = sidecarRun[0];
      sidecarRss = sidecar.rssKib();
      sidecarPeak = sidecar.peakRssKib();
      if (Boolean.getBoolean("bench.nmt")) {
        printNativeMemory(sidecar);
        printClassesByLibrary(classLog);
      }
      if (google.stsRequests.size() != 1) {
        throw new IllegalStateException("expected every token request to be served from the cache");
      }
    }

    System.out.println();
    System.out.println("| server | requests/s | p50 µs | p99 µs | RSS after run | peak RSS (VmHWM) |");
    System.out.println("|---|---|---|---|---|---|");
    System.out.printf("| static JDK HttpServer (baseline) | %.0f | %d | %d | %d MiB (idle after start: %d MiB) | %d MiB |%n",
        baseline.load().perSecond(), baseline.load().p50Micros(), baseline.load().p99Micros(), baseline.rssKib() / 1024,
        baseline.idleRssKib() / 1024, baseline.peakRssKib() / 1024);
    System.out.printf("| google-auth floor: the same after one exchange + impersonation | %.0f | %d | %d "
        + "| %d MiB (idle after start: %d MiB) | %d MiB |%n", floor.load().perSecond(), floor.load().p50Micros(),
        floor.load().p99Micros(), floor.rssKib() / 1024, floor.idleRssKib() / 1024, floor.peakRssKib() / 1024);
    System.out.printf("| metadata-sidecar, cached token | %.0f | %d | %d | %d MiB (idle after start: %d MiB) | %d MiB |%n",
        sidecarResult.perSecond(), sidecarResult.p50Micros(), sidecarResult.p99Micros(), sidecarRss / 1024,
        sidecarRssIdle / 1024, sidecarPeak / 1024);
    System.out.printf("| ratio sidecar / baseline | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
        sidecarResult.perSecond() / baseline.load().perSecond(),
        (double) sidecarResult.p50Micros() / baseline.load().p50Micros(),
        (double) sidecarResult.p99Micros() / baseline.load().p99Micros(), (double) sidecarRss / baseline.rssKib(),
        (double) sidecarPeak / baseline.peakRssKib());
    System.out.printf("| ratio sidecar / google-auth floor | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
        sidecarResult.perSecond() / floor.load().perSecond(),
        (double) sidecarResult.p50Micros() / floor.load().p50Micros(),
        (double) sidecarResult.p99Micros() / floor.load().p99Micros(), (double) sidecarRss / floor.rssKib(),
        (double) sidecarPeak / floor.peakRssKib());

    System.out.printf("sidecar threads: %d idle after start, at most %d during the cached-token run%n", threadsIdle,
        threadsPeakLoad);

    Cold cold = coldHerd(jvm, dir);
    System.out.println();
    System.out.printf("%d concurrent clients (connected in %d ms), empty cache, fake STS answering after %d ms: %d x 200 "
        + "(%d retries of connections closed unanswered beyond the cap), "
        + "all answered %d ms after the common start (p50 %d ms, p99 %d ms, max %d ms), %d STS exchange(s)%n",
        cold.result().clients(), cold.result().connectMillis(), COLD_STS_DELAY_MILLIS, cold.result().ok(),
        cold.result().retries(),
        cold.result().allAnsweredMillis(), cold.result().p50Millis(), cold.result().p99Millis(), cold.result().maxMillis(),
        cold.stsExchanges());
    System.out.printf("sidecar after the %d cold clients: RSS %d MiB, peak RSS (VmHWM) %d MiB, at most %d threads%n",
        cold.result().clients(), cold.rssKib() / 1024, cold.peakRssKib() / 1024, cold.peakThreads());
  }

  private static boolean stillServes(SidecarProcess sidecar) {
    try {
      sidecar.awaitOk("/healthz", Duration.ofSeconds(5));
      return true;
    } catch (Exception | AssertionError e) {
      return false;
    }
  }

  private static final int COLD_STS_DELAY_MILLIS = 200;
  /** Not the default scopes: the sidecar fetched those at start, this key's cache is empty. */
  private static final String COLD_TOKEN = TOKEN + "?scopes=https://www.googleapis.com/auth/devstorage.read_only";

  record Cold(ColdClients.Result result, int stsExchanges, long rssKib, long peakRssKib, long peakThreads) {}

  /** A thousand clients at once on an empty cache entry: all must get a token from a single STS exchange. */
  private static Cold coldHerd(List<String> jvm, Path dir) throws Exception {
    int clients = Integer.getInteger("bench.cold.clients", 1_000);
    List<String> coldJvm = new ArrayList<>(jvm);
    if (Boolean.getBoolean("bench.nmt")) {
      coldJvm.add("-XX:NativeMemoryTracking=summary");
    }
    try (FakeGoogle google = new FakeGoogle();
        SidecarProcess sidecar = SidecarProcess.start(google, Files.createTempDirectory(dir, "cold"), coldJvm)) {
      sidecar.awaitOk("/readyz", Duration.ofSeconds(60));
      int before = google.stsRequests.size();
      google.stsDelay(Duration.ofMillis(COLD_STS_DELAY_MILLIS));
      ColdClients.Result[] run = new ColdClients.Result[1];
      long peakThreads = ProcStatus.peakThreadsDuring(sidecar.process.pid(),
          () -> ColdClients.run(sidecar.port, COLD_TOKEN, clients), r -> run[0] = r);
      ColdClients.Result result = run[0];
      int exchanges = google.stsRequests.size() - before;
      if (result.ok() != clients || exchanges != 1) {
        throw new IllegalStateException("cold herd: " + result.ok() + " of " + clients + " answered 200 with "
            + exchanges + " STS exchanges (expected all, and 1); first failures: " + result.failures()
            + "; afterwards the sidecar " + (stillServes(sidecar) ? "still serves, RSS " + sidecar.rssKib() / 1024
            + " MiB, peak " + sidecar.peakRssKib() / 1024 + " MiB" : "no longer serves"));
      }
      Cold cold = new Cold(result, exchanges, sidecar.rssKib(), sidecar.peakRssKib(), peakThreads);
      if (Boolean.getBoolean("bench.nmt")) {
        System.out.println("native memory after the cold clients:");
        printNativeMemory(sidecar);
      }
      return cold;
    }
  }

  private static void printNativeMemory(SidecarProcess sidecar) throws Exception {
    Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        String.valueOf(sidecar.process.pid()), "VM.native_memory", "summary").inheritIO().start();
    jcmd.waitFor(30, TimeUnit.SECONDS);
  }

  /** Application class-data sharing, made as the image makes it: the jar's own --train run dumps what it loaded. */
  private static Path trainCdsArchive(List<String> jvm, Path dir) throws Exception {
    Path archive = dir.resolve("metadata-sidecar.jsa");
    List<String> training = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    training.addAll(jvm);
    training.addAll(List.of("-Xlog:cds=error", "-XX:ArchiveClassesAtExit=" + archive, "-jar",
        SidecarProcess.JAR.toString(), "--train"));
    Process run = new ProcessBuilder(training).inheritIO().start();
    if (!run.waitFor(120, TimeUnit.SECONDS) || run.exitValue() != 0 || !Files.isRegularFile(archive)) {
      run.destroyForcibly();
      throw new IllegalStateException("training run failed: no CDS archive written");
    }
    return archive;
  }

  private static List<String> jvmOptions() throws Exception {
    String override = System.getProperty("bench.jvm");
    if (override != null) {
      return override.isBlank() ? List.of() : Arrays.asList(override.trim().split("\\s+"));
    }
    return Files.readAllLines(Path.of("jvm.options")).stream()
        .map(String::trim).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
  }

  /** Loaded classes per library (a proxy for each one's share of metaspace and CDS space). */
  private static void printClassesByLibrary(Path classLog) throws Exception {
    java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
    int total = 0;
    for (String line : Files.readAllLines(classLog)) {
      int start = line.indexOf("[class,load] ");
      if (start < 0) {
        continue;
      }
      String name = line.substring(start + 13).split(" ", 2)[0];
      counts.merge(library(name), 1, Integer::sum);
      total++;
    }
    System.out.println("loaded classes by library (total " + total + "):");
    int all = total;
    counts.entrySet().stream().sorted(java.util.Map.Entry.<String, Integer>comparingByValue().reversed())
        .forEach(e -> System.out.printf("  %-28s %5d (%.0f %%)%n", e.getKey(), e.getValue(), 100.0 * e.getValue() / all));
  }

  private static String library(String className) {
    String[][] prefixes = {{"com.sun.net.httpserver.", "JDK HTTP server"}, {"sun.net.httpserver.", "JDK HTTP server"},
        {"java.", "JDK"}, {"javax.", "JDK"}, {"jdk.", "JDK"}, {"sun.", "JDK"}, {"com.sun.", "JDK"},
        {"org.eclipse.jetty.", "Jetty"}, {"jakarta.", "Jakarta Servlet"}, {"io.javalin.", "Javalin"},
        {"kotlin.", "Kotlin stdlib"}, {"com.google.common.", "Guava"}, {"com.google.auth.", "google-auth"},
        {"com.google.api.client.", "google-http-client"}, {"com.google.gson.", "Gson"},
        {"org.apache.http.", "Apache HttpClient"}, {"io.grpc.", "gRPC context"}, {"io.opencensus.", "OpenCensus"},
        {"com.google.auto.", "AutoValue"}, {"picocli.", "picocli"}, {"org.slf4j.", "SLF4J"},
        {"dev.gcpwif.", "metadata-sidecar"}};
    for (String[] prefix : prefixes) {
      if (className.startsWith(prefix[0])) {
        return prefix[1];
      }
    }
    int dot = className.lastIndexOf('.');
    return dot < 0 ? className : className.substring(0, dot);
  }

  private static String classDirectoryOf(Class<?> type) throws Exception {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }

  record Baseline(LoadClient.Result load, long idleRssKib, long rssKib, long peakRssKib) {}

  /**
   * A baseline JVM ({@code main} after {@code jvm}, then its port and {@code args}) under the load the sidecar gets:
   * a tenth as warm-up, then every request; RSS read after.
   */
  private static Baseline baseline(List<String> jvm, List<String> main, int connections, int requests,
      String... args) throws Exception {
    int port = Ports.free();
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvm);
    // Without TCP_NODELAY the JDK server's separate header and body writes meet delayed ACKs (40 ms per request).
    command.add("-Dsun.net.httpserver.nodelay=true");
    command.addAll(main);
    command.add(String.valueOf(port));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
    // The same environment as the sidecar's (SidecarProcess, the image): without it glibc's per-thread malloc arenas
    // add a few MiB to the baseline alone and flatter the ratio.
    builder.environment().putAll(SidecarProcess.ENVIRONMENT);
    Process server = builder.start();
    try {
      awaitPort(port, server);
      long idle = ProcStatus.rssKib(server.pid());
      LoadClient.run(port, TOKEN, connections, requests / 10);
      LoadClient.Result load = LoadClient.run(port, TOKEN, connections, requests);
      return new Baseline(load, idle, ProcStatus.rssKib(server.pid()), ProcStatus.peakRssKib(server.pid()));
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Until {@code port} accepts, for a minute at most: the google-auth floor opens it only after its exchange. */
  private static void awaitPort(int port, Process server) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IllegalStateException("baseline server exited with " + server.exitValue());
      }
      try (var socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (java.io.IOException notYet) {
        Thread.sleep(10);
      }
    }
    throw new IllegalStateException("baseline server did not start");
  }
}
