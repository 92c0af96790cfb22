package dev.gcpwif.webhook.serviceaccount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.testing.TestMutations;
import io.fabric8.kubernetes.api.model.ServiceAccount;
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
   * Closing the informer while its watch is still being opened cancels the upgrade mid-way; fabric8's mock server then
   * blocks its event loop in {@code WatchEventsListener.onClosed} (awaitTermination of the executor whose replay of the
   * existing accounts waits for that same event loop), and the extension's {@code MockWebServer.shutdown} gives up
   * after 10 s with "Unable to close MockWebServer". A test that stops right after the first list must therefore wait
   * for the watch, so that the close is the ordinary WebSocket close handshake.
   */
  private void awaitSyncedAndWatching() {
    await().atMost(Duration.ofSeconds(10)).until(() -> accounts.hasSynced() && accounts.isWatching());
  }

  @Test
  void syncsAndServesExistingAccountsFromTheCache() throws Exception {
    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "billing")).create();
    accounts = new InformerServiceAccounts(client, Duration.ofMinutes(10));
    assertThat(accounts.hasSynced()).isFalse();

    accounts.start();
    awaitSyncedAndWatching();

    Optional<ServiceAccount> found = accounts.find("payments", "billing");
    assertThat(found).isPresent();
    assertThat(found.get().getMetadata().getAnnotations()).containsKey(TestMutations.PROVIDER);
    assertThat(accounts.directReads()).isZero();
  }

  @Test
  void accountCreatedAfterStartIsFoundThroughTheWatch() throws Exception {
    accounts = new InformerServiceAccounts(client, Duration.ofMinutes(10));
    accounts.start();
    await().atMost(Duration.ofSeconds(10)).until(accounts::hasSynced);

    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "late")).create();

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
    awaitSyncedAndWatching();

    ServiceAccount cached = accounts.find("payments", "billing").orElseThrow();

    assertThat(cached.getMetadata().getName()).isEqualTo("billing");
    assertThat(cached.getMetadata().getNamespace()).isEqualTo("payments");
    assertThat(cached.getMetadata().getAnnotations()).containsKey(TestMutations.PROVIDER);
    assertThat(cached.getMetadata().getLabels()).isNullOrEmpty();
    assertThat(cached.getAutomountServiceAccountToken()).isNull();
  }
}
