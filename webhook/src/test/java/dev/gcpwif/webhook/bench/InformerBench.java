package dev.gcpwif.webhook.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cost of the ServiceAccount informer as the webhook runs it, in a JVM that holds nothing else: starts
 * {@link MockApiServer} (fabric8's mock API server in CRUD mode, N ServiceAccounts) as one child JVM, then
 * {@code bench.runs} times a fresh {@link InformerProbe} JVM against it, each reporting the time from start to synced
 * and heap used after full GC with the informer synced minus before it started; the last run's heap histogram too.
 * Run by benchmarks/webhook-bench.sh; loopback only.
 */
public final class InformerBench {
  public static void main(String[] args) throws Exception {
    int accounts = Integer.getInteger("bench.accounts", 10_000);
    int runs = Integer.getInteger("bench.runs", 3);
    // The image's entrypoint flags, sized as in a pod with a 512 MiB memory limit, as in WebhookBench.
    String flags = System.getProperty("bench.jvm",
        "-XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Djava.security.egd=file:/dev/urandom");
    Path dir = Files.createTempDirectory("informer-bench");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    Process server = new ProcessBuilder(java, "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
        classpath, MockApiServer.class.getName(), dir.toString(), String.valueOf(accounts))
        .redirectErrorStream(true).redirectOutput(dir.resolve("mock-server.log").toFile()).start();
    try {
      String[] ports = awaitPorts(dir.resolve("ports"), server);
      System.out.printf("mock API server: pid %d, %d ServiceAccounts in 200 namespaces created in %s s; "
          + "informer JVM flags: %s%n", server.pid(), accounts, ports[2], flags);
      System.out.println();
      System.out.println("| run | accounts | start to synced | informer heap after GC | per account |");
      System.out.println("|---|---|---|---|---|");
      List<String> histogram = new ArrayList<>();
      for (int run = 1; run <= runs; run++) {
        List<String> command = new ArrayList<>(List.of(java));
        if (!flags.isBlank()) {
          command.addAll(Arrays.asList(flags.trim().split("\\s+")));
        }
        command.addAll(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath,
            InformerProbe.class.getName(), ports[0], ports[1], String.valueOf(accounts)));
        Process probe = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!probe.waitFor(5, TimeUnit.MINUTES) || probe.exitValue() != 0) {
          throw new IllegalStateException("informer probe failed:\n" + output);
        }
        histogram.clear();
        for (String line : output.lines().toList()) {
          if (line.startsWith("RESULT ")) {
            String[] f = line.split(" ");
            long count = Long.parseLong(f[1]);
            long bytes = Long.parseLong(f[3]);
            System.out.printf("| %d | %,d | %s ms | %.1f MiB | %s |%n", run, count, f[2], bytes / 1048576.0,
                count == 0 ? "" : String.format("%.0f bytes", bytes / (double) count));
          } else if (line.startsWith("HISTO ")) {
            histogram.add(line.substring(6));
          }
        }
      }
      System.out.println();
      System.out.println("heap histogram of the informer JVM of run " + runs + " with " + accounts
          + " ServiceAccounts synced (jcmd GC.class_histogram, top entries):");
      histogram.forEach(line -> System.out.println("    " + line));
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
      server.destroyForcibly();
    }
  }

  private static String[] awaitPorts(Path portsFile, Process server) throws Exception {
    for (int i = 0; i < 3000; i++) {
      if (Files.exists(portsFile)) {
        return Files.readString(portsFile).trim().split(" ");
      }
      if (!server.isAlive()) {
        throw new IllegalStateException("mock API server exited with status " + server.exitValue());
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("mock API server not populated within 5 minutes");
  }
}
