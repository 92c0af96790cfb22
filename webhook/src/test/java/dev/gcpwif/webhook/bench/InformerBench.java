package dev.gcpwif.webhook.bench;

import dev.gcpwif.webhook.serviceaccount.InformerServiceAccounts;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Cost of the ServiceAccount informer as the webhook runs it ({@link InformerServiceAccounts}: all namespaces, reduced
 * item store) against fabric8's mock API server in CRUD mode: time from start to synced, and heap after full GC with
 * the informer synced minus heap before it started (the mock server and its store live in this JVM too, so only the
 * difference is the informer's). With N accounts and with none.
 */
public final class InformerBench {
  /** Held so the level sticks: JUL keeps loggers weakly. The mock server logs every request at INFO. */
  private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  public static void main(String[] args) throws Exception {
    MOCK_SERVER_LOG.setLevel(Level.WARNING);
    int accounts = Integer.getInteger("bench.accounts", 10_000);
    System.out.println();
    System.out.println("| ServiceAccounts in the API server | populate s | start to synced ms | informer heap after GC "
        + "| per account |");
    System.out.println("|---|---|---|---|---|");
    measure(0);
    measure(accounts); // the empty run first also warms up the client's classes for both
  }

  private static void measure(int accounts) throws Exception {
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    try (NamespacedKubernetesClient client = server.createClient()) {
      long populateStart = System.nanoTime();
      for (int i = 0; i < accounts; i++) {
        client.serviceAccounts().inNamespace("team-" + (i % 200)).resource(new ServiceAccountBuilder()
            .withNewMetadata().withName("workload-" + i).withLabels(Map.of("app.kubernetes.io/name", "workload-" + i))
            .withAnnotations(annotations(i)).endMetadata().build()).create();
      }
      double populateSeconds = (System.nanoTime() - populateStart) / 1e9;

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
      System.out.printf("| %d | %.1f | %d | %.1f MiB | %s |%n", accounts, populateSeconds, syncMillis,
          (after - before) / 1048576.0, accounts == 0 ? "" : String.format("%.0f bytes", (after - before) / (double) accounts));
      informer.close();
    } finally {
      server.destroy();
    }
  }

  /** Half the accounts opted in, as in a cluster where some teams federate; every one has the usual annotations. */
  private static Map<String, String> annotations(int i) {
    Map<String, String> annotations = new HashMap<>();
    annotations.put("kubectl.kubernetes.io/last-applied-configuration",
        "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"workload-" + i + "\"}}");
    if (i % 2 == 0) {
      annotations.put("cloud.google.com/workload-identity-provider",
          "projects/123456789/locations/global/workloadIdentityPools/onprem/providers/cluster-a");
      annotations.put("cloud.google.com/service-account-email", "workload-" + i + "@project.iam.gserviceaccount.com");
    }
    return annotations;
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
