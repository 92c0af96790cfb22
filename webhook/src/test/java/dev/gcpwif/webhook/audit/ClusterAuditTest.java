package dev.gcpwif.webhook.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gcpwif.webhook.metrics.WebhookMetrics;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.serviceaccount.InformerServiceAccounts;
import dev.gcpwif.webhook.testing.TestMutations;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The in-cluster audit against fabric8's mock API server (CRUD mode): pods, ServiceAccounts, Leases and Events. */
@EnableKubernetesMockClient(crud = true)
class ClusterAuditTest {
  private static final Duration RESYNC = Duration.ofMillis(500);
  private static final ClusterAudit.LeaseTiming FAST_LEASE =
      new ClusterAudit.LeaseTiming(Duration.ofSeconds(2), Duration.ofMillis(1500), Duration.ofMillis(200));

  KubernetesClient client;
  private InformerServiceAccounts accounts;
  private final List<ClusterAudit> audits = new ArrayList<>();

  @BeforeEach
  void startServiceAccounts() {
    accounts = new InformerServiceAccounts(client, Duration.ofMinutes(10));
  }

  @AfterEach
  void stop() {
    audits.forEach(ClusterAudit::close);
    accounts.close();
  }

  private ClusterAudit audit(String identity, Set<String> excluded) {
    return audit(identity, excluded, EventBudget.defaults());
  }

  private ClusterAudit audit(String identity, Set<String> excluded, EventBudget budget) {
    InjectionAudit check = new InjectionAudit(new PodMutator(WebhookSettings.defaults()), excluded);
    ClusterAudit audit = new ClusterAudit(client, check, accounts::cached, RESYNC, "gcp-wif-system",
        ClusterAudit.DEFAULT_LEASE_NAME, identity, FAST_LEASE, budget);
    accounts.onChange(audit::serviceAccountChanged);
    audits.add(audit);
    return audit;
  }

  private void createPod(String namespace, String name, String serviceAccount) {
    Pod pod = new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
        .withNewSpec().withServiceAccountName(serviceAccount).addNewContainer().withName("app").withImage("app:1")
        .endContainer().endSpec().build();
    client.pods().inNamespace(namespace).resource(pod).create();
  }

  private List<Event> events(String namespace) {
    return client.v1().events().inNamespace(namespace).list().getItems();
  }

  private static String render(WebhookMetrics metrics) {
    return metrics.render();
  }

  @Test
  void podAdmittedWhileTheWebhookWasDownIsReportedWithinOneResync() {
    // In the API before the webhook starts: opted-in account, no receipt on the pod.
    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "billing")).create();
    createPod("payments", "billing-7d9", "billing");
    accounts.start();
    ClusterAudit audit = audit("replica-a", InjectionAudit.SHIPPED_EXCLUDED_NAMESPACES);
    WebhookMetrics metrics = new WebhookMetrics();
    audit.registerMetrics(metrics);

    audit.start();

    await().atMost(Duration.ofSeconds(15)).until(() -> events("payments").size() == 1);
    Event event = events("payments").get(0);
    assertThat(event.getReason()).isEqualTo("WorkloadIdentityNotInjected");
    assertThat(event.getType()).isEqualTo("Warning");
    assertThat(event.getInvolvedObject().getName()).isEqualTo("billing-7d9");
    assertThat(event.getInvolvedObject().getKind()).isEqualTo("Pod");
    assertThat(event.getMessage()).contains("no receipt").contains("To do: restart the pod");
    assertThat(render(metrics))
        .contains("webhook_audit_pods{state=\"uninjected\",namespace=\"payments\"} 1\n")
        .contains("webhook_audit_leader 1\n");
  }

  @Test
  void aPodIsReportedOnceNotAtEveryResync() throws Exception {
    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "billing")).create();
    createPod("payments", "billing-7d9", "billing");
    accounts.start();
    ClusterAudit audit = audit("replica-a", Set.of());
    audit.start();
    await().atMost(Duration.ofSeconds(15)).until(() -> audit.eventsCreated() == 1);

    Thread.sleep(RESYNC.toMillis() * 4); // several resyncs, each of which finds the pod again

    assertThat(events("payments")).hasSize(1);
    assertThat(audit.eventsCreated()).isEqualTo(1);
  }

  @Test
  void eventsPastTheBudgetWaitForALaterResyncWhileTheGaugeCountsEveryPodAtOnce() throws Exception {
    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "billing")).create();
    for (int i = 0; i < 5; i++) {
      createPod("payments", "billing-" + i, "billing");
    }
    accounts.start();
    AtomicLong nanos = new AtomicLong();
    ClusterAudit audit = audit("replica-a", Set.of(), new EventBudget(2, 1.0, nanos::get));
    WebhookMetrics metrics = new WebhookMetrics();
    audit.registerMetrics(metrics);
    audit.start();

    await().atMost(Duration.ofSeconds(15)).until(() -> audit.eventsDeferred() >= 3);
    Thread.sleep(RESYNC.toMillis() * 3); // resyncs find all five again; the budget has not refilled
    assertThat(events("payments")).hasSize(2);
    assertThat(render(metrics)).contains("webhook_audit_pods{state=\"uninjected\",namespace=\"payments\"} 5\n")
        .containsPattern("webhook_audit_events_deferred_total [1-9]");

    nanos.addAndGet(Duration.ofSeconds(3).toNanos()); // three Events' worth at 1/s, but the burst caps it at two
    await().atMost(Duration.ofSeconds(15)).until(() -> events("payments").size() == 4);
    Thread.sleep(RESYNC.toMillis() * 3);
    assertThat(events("payments")).hasSize(4);

    nanos.addAndGet(Duration.ofSeconds(1).toNanos());
    await().atMost(Duration.ofSeconds(15)).until(() -> events("payments").size() == 5);
    assertThat(audit.eventsCreated()).isEqualTo(5);
  }

  @Test
  void aDeletedPodIsForgottenSoTheLeadersMemoryDoesNotGrowWithPodChurn() throws Exception {
    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "billing")).create();
    createPod("payments", "billing-7d9", "billing");
    accounts.start();
    ClusterAudit audit = audit("replica-a", Set.of());
    audit.start();
    await().atMost(Duration.ofSeconds(15)).until(() -> audit.eventsCreated() == 1);
    assertThat(audit.eventsRemembered()).isEqualTo(1);

    client.pods().inNamespace("payments").withName("billing-7d9").delete();

    await().atMost(Duration.ofSeconds(15)).until(() -> audit.eventsRemembered() == 0 && audit.findings().isEmpty());
  }

  @Test
  void withTwoReplicasTheEventIsCreatedOnceAndOnlyTheLeaderExportsTheGauge() throws Exception {
    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "billing")).create();
    createPod("payments", "billing-7d9", "billing");
    accounts.start();
    ClusterAudit a = audit("replica-a", Set.of());
    ClusterAudit b = audit("replica-b", Set.of());
    WebhookMetrics metricsA = new WebhookMetrics();
    WebhookMetrics metricsB = new WebhookMetrics();
    a.registerMetrics(metricsA);
    b.registerMetrics(metricsB);

    a.start();
    b.start();

    await().atMost(Duration.ofSeconds(15)).until(() -> events("payments").size() == 1);
    Thread.sleep(RESYNC.toMillis() * 4);
    assertThat(events("payments")).hasSize(1);
    assertThat(a.isLeader() ^ b.isLeader()).as("exactly one leader").isTrue();
    String series = "webhook_audit_pods{state=\"uninjected\",namespace=\"payments\"} 1";
    long exporting = List.of(render(metricsA), render(metricsB)).stream().filter(text -> text.contains(series))
        .count();
    assertThat(exporting).as("replicas exporting the finding").isEqualTo(1);
    ClusterAudit follower = a.isLeader() ? b : a;
    assertThat(follower.podsCached()).as("the follower watches no pods").isZero();
  }

  @Test
  void theNextLeaderTakesOverWithoutReportingTheSamePodAgain() throws Exception {
    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "billing")).create();
    createPod("payments", "billing-7d9", "billing");
    accounts.start();
    ClusterAudit a = audit("replica-a", Set.of());
    a.start();
    await().atMost(Duration.ofSeconds(15)).until(() -> a.eventsCreated() == 1);
    ClusterAudit b = audit("replica-b", Set.of());
    b.start();

    a.close(); // releases the Lease

    await().atMost(Duration.ofSeconds(15)).until(() -> b.isLeader() && b.findings().size() == 1);
    assertThat(events("payments")).as("its Event already exists: 409, not a second Event").hasSize(1);
    assertThat(b.eventsCreated()).isZero();
  }

  @Test
  void excludedNamespacesAreNotReported() throws Exception {
    client.serviceAccounts().inNamespace("kube-system").resource(TestMutations.optedIn("kube-system", "dns"))
        .create();
    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "billing")).create();
    createPod("kube-system", "coredns-1", "dns");
    createPod("payments", "billing-7d9", "billing");
    accounts.start();
    ClusterAudit audit = audit("replica-a", InjectionAudit.SHIPPED_EXCLUDED_NAMESPACES);
    audit.start();

    await().atMost(Duration.ofSeconds(15)).until(() -> events("payments").size() == 1);
    Thread.sleep(RESYNC.toMillis() * 2);

    assertThat(events("kube-system")).isEmpty();
    assertThat(audit.findings()).containsOnlyKeys("payments/billing-7d9");
  }

  @Test
  void annotatingTheServiceAccountAfterItsPodsStartedReportsThem() {
    client.serviceAccounts().inNamespace("payments").resource(TestMutations.serviceAccount("payments", "billing",
        java.util.Map.of())).create();
    createPod("payments", "billing-7d9", "billing");
    accounts.start();
    ClusterAudit audit = audit("replica-a", Set.of());
    audit.start();
    await().atMost(Duration.ofSeconds(15)).until(() -> audit.isLeader() && audit.podsCached() == 1);
    assertThat(audit.findings()).isEmpty();

    client.serviceAccounts().inNamespace("payments").resource(TestMutations.optedIn("payments", "billing")).update();

    await().atMost(Duration.ofSeconds(15)).until(() -> events("payments").size() == 1);
    assertThat(events("payments").get(0).getReason()).isEqualTo("WorkloadIdentityNotInjected");
  }
}
