package dev.gcpwif.webhook.bench;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Two fabric8 mock API servers in CRUD mode on loopback, one empty and one holding N ServiceAccounts in 200
 * namespaces, in their own JVM so that the JVM measured by {@link InformerProbe} holds only the informer. Started by
 * {@link InformerBench}; writes {@code emptyPort populatedPort populateSeconds} to {@code <dir>/ports} when ready.
 *
 * <p>Arguments: directory, number of ServiceAccounts.
 */
public final class MockApiServer {
  /** Held so the level sticks: JUL keeps loggers weakly. The mock server logs every request at INFO. */
  private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  public static void main(String[] args) throws Exception {
    MOCK_SERVER_LOG.setLevel(Level.WARNING);
    Path dir = Path.of(args[0]);
    int accounts = Integer.parseInt(args[1]);
    KubernetesMockServer empty = start();
    KubernetesMockServer populated = start();
    long started = System.nanoTime();
    populate(populated, accounts);
    double populateSeconds = (System.nanoTime() - started) / 1e9;
    Files.writeString(dir.resolve("ports.tmp"),
        empty.getPort() + " " + populated.getPort() + " " + String.format("%.1f", populateSeconds));
    Files.move(dir.resolve("ports.tmp"), dir.resolve("ports"));
    new CountDownLatch(1).await(); // until the driver destroys this process
  }

  private static KubernetesMockServer start() {
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    return server;
  }

  /** Four clients in parallel: one by one over HTTP, 10,000 creates take most of a minute on a busy machine. */
  private static void populate(KubernetesMockServer server, int accounts) throws Exception {
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (NamespacedKubernetesClient client = server.createClient()) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t;
        done.add(pool.submit(() -> {
          for (int i = first; i < accounts; i += threads) {
            client.serviceAccounts().inNamespace("team-" + (i % 200)).resource(new ServiceAccountBuilder()
                .withNewMetadata().withName("workload-" + i)
                .withLabels(Map.of("app.kubernetes.io/name", "workload-" + i))
                .withAnnotations(annotations(i)).endMetadata().build()).create();
          }
        }));
      }
      for (Future<?> future : done) {
        future.get();
      }
    } finally {
      pool.shutdownNow();
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
}
