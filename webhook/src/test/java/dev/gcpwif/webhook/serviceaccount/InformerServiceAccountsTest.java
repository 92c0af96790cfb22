package dev.gcpwif.webhook.serviceaccount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.testing.TestMutations;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class InformerServiceAccountsTest {
  KubernetesClient client;
  private InformerServiceAccounts accounts;

  @AfterEach
  void stop() {
    if (accounts != null) {
      accounts.close();
    }
  }

  /**
   * fabric8's mock server replays every existing account as an ADDED event when a watch opens, from an executor that
   * waits for the Vert.x event loop to write it; if the watch closes meanwhile, the event loop runs
   * {@code WatchEventsListener.onClosed}, which waits (up to a minute) for that executor: a deadlock, after which the
   * extension's {@code MockWebServer.shutdown} gives up with "Unable to close MockWebServer" (seen in 2 of 43 runs
   * under load). The replay is invisible to the cache (same resource version), so a sentinel account is created once
   * the watch is open: the executor sends in order, and the sentinel in the cache means the replay was written.
   */
  private void awaitSyncedAndReplayed() {
    await().atMost(Duration.ofSeconds(10)).until(() -> accounts.hasSynced() && accounts.isWatching());
    client.serviceAccounts().inNamespace("sentinel").resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("watch-sentinel").withNamespace("sentinel").endMetadata().build()).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> accounts.isCached("sentinel", "watch-sentinel"));
  }

  @Test
  void syncsAndServesExistingAccountsFromTheCache() throws Exception {
    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "billing")).create();
    accounts = new InformerServiceAccounts(client, Duration.ofMinutes(10));
    assertThat(accounts.hasSynced()).isFalse();

    accounts.start();
    awaitSyncedAndReplayed();

    Optional<ServiceAccount> found = accounts.find("payments", "billing");
    assertThat(found).isPresent();
    assertThat(found.get().getMetadata().getAnnotations()).containsKey(TestMutations.PROVIDER);
    assertThat(accounts.directReads()).isZero();
  }

  @Test
  void accountCreatedAfterStartIsFoundThroughTheWatch() throws Exception {
    accounts = new InformerServiceAccounts(client, Duration.ofMinutes(10));
    accounts.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> accounts.hasSynced() && accounts.isWatching());

    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "late")).create();

    // Looked at in the cache only: a direct read here would find it too, and cost one of the ten a second.
    await().atMost(Duration.ofSeconds(10)).until(() -> accounts.isCached("payments", "late"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      long before = accounts.directReads();
      assertThat(accounts.find("payments", "late")).isPresent();
      assertThat(accounts.directReads()).as("served from the cache").isEqualTo(before);
    });
  }

  @Test
  void cacheMissFallsBackToADirectRead() throws Exception {
    // Not started: every lookup misses the cache, as for a pod created right after its account.
    accounts = new InformerServiceAccounts(client, Duration.ofMinutes(10));
    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "fresh")).create();

    Optional<ServiceAccount> found = accounts.find("payments", "fresh");

    assertThat(found).isPresent();
    assertThat(found.get().getMetadata().getAnnotations()).containsKey(TestMutations.PROVIDER);
    assertThat(accounts.directReads()).isEqualTo(1);
  }

  @Test
  void unknownAccountIsEmptyNotAnError() throws Exception {
    accounts = new InformerServiceAccounts(client, Duration.ofMinutes(10));
    accounts.start();
    await().atMost(Duration.ofSeconds(10)).until(accounts::hasSynced);

    assertThat(accounts.find("payments", "nobody")).isEmpty();
    assertThat(accounts.directReads()).isEqualTo(1);
  }

  @Test
  void madeUpNamesAreReadAtMostTenTimesASecondAndTheRestAnsweredAtOnce() {
    accounts = new InformerServiceAccounts(client, Duration.ofMinutes(10)); // the defaults serve uses: 10/s
    WebhookMetrics metrics = new WebhookMetrics();
    accounts.registerMetrics(metrics);
    int lookups = 40;
    int refused = 0;
    long started = System.nanoTime();
    for (int i = 0; i < lookups; i++) {
      try {
        assertThat(accounts.find("payments", "made-up-" + i)).isEmpty();
      } catch (ServiceAccountLookupException e) {
        assertThat(e.getMessage()).isEqualTo("ServiceAccount payments/made-up-" + i
            + " is not in the cache and direct reads are limited to 10.0 a second");
        refused++;
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;

    // A full bucket of 10, plus what it refilled meanwhile.
    assertThat(accounts.directReads()).isLessThanOrEqualTo(10 + (long) Math.ceil(seconds * 10));
    assertThat(refused).isPositive().isEqualTo(lookups - (int) accounts.directReads());
    assertThat(accounts.rateLimitedLookups()).isEqualTo(refused);
    assertThat(metrics.render())
        .contains("webhook_serviceaccount_direct_reads_total " + accounts.directReads() + "\n")
        .contains("webhook_serviceaccount_lookups_rate_limited_total " + refused + "\n")
        .contains("webhook_serviceaccount_lookup_timeouts_total 0\n");
  }

  @Test
  void cacheKeepsOnlyWhatTheMutationReads() throws Exception {
    ServiceAccount account = TestMutations.optedIn("payments", "billing");
    account.getMetadata().getLabels().put("team", "payments");
    account.setAutomountServiceAccountToken(false);
    client.serviceAccounts().inNamespace("payments").resource(account).create();
    accounts = new InformerServiceAccounts(client, Duration.ofMinutes(10));
    accounts.start();
    awaitSyncedAndReplayed();

    ServiceAccount cached = accounts.find("payments", "billing").orElseThrow();

    assertThat(cached.getMetadata().getName()).isEqualTo("billing");
    assertThat(cached.getMetadata().getNamespace()).isEqualTo("payments");
    assertThat(cached.getMetadata().getAnnotations()).containsKey(TestMutations.PROVIDER);
    assertThat(cached.getMetadata().getLabels()).isNullOrEmpty();
    assertThat(cached.getAutomountServiceAccountToken()).isNull();
  }
}
