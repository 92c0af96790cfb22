package dev.gcpwif.webhook.serviceaccount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

  @Test
  void syncsAndServesExistingAccountsFromTheCache() throws Exception {
    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "billing")).create();
    accounts = new InformerServiceAccounts(client, Duration.ofMinutes(10));
    assertThat(accounts.hasSynced()).isFalse();

    accounts.start();
    await().atMost(Duration.ofSeconds(10)).until(accounts::hasSynced);

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
  void cacheKeepsOnlyWhatTheMutationReads() throws Exception {
    ServiceAccount account = TestMutations.optedIn("payments", "billing");
    account.getMetadata().getLabels().put("team", "payments");
    account.setAutomountServiceAccountToken(false);
    client.serviceAccounts().inNamespace("payments").resource(account).create();
    accounts = new InformerServiceAccounts(client, Duration.ofMinutes(10));
    accounts.start();
    await().atMost(Duration.ofSeconds(10)).until(accounts::hasSynced);

    ServiceAccount cached = accounts.find("payments", "billing").orElseThrow();

    assertThat(cached.getMetadata().getName()).isEqualTo("billing");
    assertThat(cached.getMetadata().getNamespace()).isEqualTo("payments");
    assertThat(cached.getMetadata().getAnnotations()).containsKey(TestMutations.PROVIDER);
    assertThat(cached.getMetadata().getLabels()).isNullOrEmpty();
    assertThat(cached.getAutomountServiceAccountToken()).isNull();
  }
}
