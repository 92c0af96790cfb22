package dev.gcpwif.webhook.serviceaccount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An API server that accepts connections and never answers: a cache miss must still be answered in time. */
class HungApiServerTest {
  /** The lookup deadline serve uses by default, and what the answer may take beyond it. */
  private static final Duration DEADLINE = InformerServiceAccounts.DEFAULT_LOOKUP_TIMEOUT;
  private static final Duration MARGIN = Duration.ofMillis(1500);

  private ServerSocket hung;
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private KubernetesClient client;
  private InformerServiceAccounts accounts;

  @BeforeEach
  void startHungServer() throws IOException {
    hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      while (!hung.isClosed()) {
        try {
          held.add(hung.accept()); // read nothing, answer nothing
        } catch (IOException closed) {
          return;
        }
      }
    }, "hung-api-server");
    acceptor.setDaemon(true);
    acceptor.start();
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + hung.getLocalPort())
        .withNamespace("payments").build();
    client = new KubernetesClientBuilder().withConfig(config).build();
    // Never started: every lookup misses the cache, as for a pod created right after its account.
    accounts = new InformerServiceAccounts(client, Duration.ofMinutes(10));
  }

  @AfterEach
  void stop() throws IOException {
    accounts.close();
    client.close();
    hung.close();
    for (Socket socket : held) {
      socket.close();
    }
  }

  @Test
  void cacheMissIsAnsweredWithinTheDeadline() {
    long started = System.nanoTime();
    assertTimeoutPreemptively(DEADLINE.plus(MARGIN), () -> assertThatThrownBy(() -> accounts.find("payments", "fresh"))
        .isInstanceOf(ServiceAccountLookupException.class)
        .hasMessage("ServiceAccount payments/fresh is not in the cache and the API server did not answer within "
            + DEADLINE.toMillis() + "ms"));

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(DEADLINE.minusMillis(50));
    assertThat(accounts.timedOutLookups()).isEqualTo(1);
  }

  @Test
  void concurrentMissesOfOneNameShareOneReadAndAllAnswerInTime() throws Exception {
    ExecutorService pods = Executors.newFixedThreadPool(20);
    try {
      List<Future<Throwable>> answers = new java.util.ArrayList<>();
      for (int i = 0; i < 20; i++) {
        answers.add(pods.submit(() -> {
          try {
            accounts.find("payments", "fresh");
            return null;
          } catch (ServiceAccountLookupException e) {
            return e;
          }
        }));
      }
      for (Future<Throwable> answer : answers) {
        assertThat(answer.get(DEADLINE.plus(MARGIN).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
            .isInstanceOf(ServiceAccountLookupException.class);
      }
    } finally {
      pods.shutdownNow();
    }
    assertThat(accounts.directReads()).as("one API request for the whole burst").isEqualTo(1);
  }
}
