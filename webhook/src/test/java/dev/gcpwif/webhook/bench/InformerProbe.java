package dev.gcpwif.webhook.bench;

import dev.gcpwif.webhook.serviceaccount.InformerServiceAccounts;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A JVM holding only the webhook's ServiceAccount informer ({@link InformerServiceAccounts}: all namespaces, reduced
 * item store) and its client, pointed at {@link MockApiServer} in another process. First an informer against the
 * empty server (which also loads the client's classes), closed; then heap used after full GC before and after an
 * informer against the populated server has synced, the time to sync, and the top of
 * {@code jcmd <pid> GC.class_histogram} with the informer synced. Started by {@link InformerBench}, which parses the
 * {@code RESULT} lines.
 *
 * <p>Arguments: empty server's port, populated server's port, number of ServiceAccounts in the populated one.
 */
public final class InformerProbe {
  public static void main(String[] args) throws Exception {
    int accounts = Integer.parseInt(args[2]);
    measure(Integer.parseInt(args[0]), 0, false);
    measure(Integer.parseInt(args[1]), accounts, true);
  }

  private static void measure(int port, int accounts, boolean histogram) throws Exception {
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + port)
        .withNamespace("default").build();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      long before = heapAfterGc();
      InformerServiceAccounts informer = new InformerServiceAccounts(client, Duration.ZERO);
      long started = System.nanoTime();
      informer.start();
      while (!informer.hasSynced()) {
        if (System.nanoTime() - started > TimeUnit.MINUTES.toNanos(5)) {
          throw new IllegalStateException("informer not synced after 5 minutes");
        }
        Thread.sleep(1);
      }
      long syncMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      if (accounts > 0 && informer.find("team-7", "workload-" + (accounts - 193)).isEmpty()) {
        throw new IllegalStateException("synced informer misses an account");
      }
      if (informer.directReads() != 0) {
        throw new IllegalStateException("lookup went to the API server instead of the cache");
      }
      long after = heapAfterGc();
      System.out.printf("RESULT %d %d %d%n", accounts, syncMillis, after - before);
      if (histogram) {
        printHistogramTop(12);
      }
      informer.close();
    }
  }

  private static void printHistogramTop(int lines) throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    Process process = new ProcessBuilder(jcmd, String.valueOf(ProcessHandle.current().pid()), "GC.class_histogram")
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("jcmd GC.class_histogram failed: " + output);
    }
    output.lines().filter(line -> !line.isBlank()).limit(lines + 3).forEach(line -> System.out.println("HISTO " + line));
    output.lines().filter(line -> line.startsWith("Total")).forEach(line -> System.out.println("HISTO " + line));
  }

  private static long heapAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
