package dev.gcpwif.webhook.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.inject.AuditCommand;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The audit's table: one folder of {@code src/test/resources/audit} per case, input and expected side by side.
 * {@code serviceaccounts.yaml} holds the ServiceAccounts as they are now and {@code pods.yaml} the pods as they were
 * created. A pod whose ServiceAccount is in {@code admitted.yaml} (the ServiceAccounts as the webhook saw them when it
 * admitted the pod) is first run through the real {@link PodMutator}, so its receipt is the webhook's own; the others
 * stay as written (admitted while the webhook was down, or hand-written as an earlier version left them).
 * {@code tamper.txt} (optional) then removes parts of admitted pods, as another webhook would: lines
 * {@code env POD CONTAINER NAME} and {@code volume POD NAME}. {@code expected.txt} is the command's text output, one
 * finding a line; empty when the audit finds nothing.
 */
class InjectionAuditTableTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final WebhookSettings SETTINGS = WebhookSettings.defaults();

  static List<String> cases() throws IOException, URISyntaxException {
    try (Stream<Path> folders = Files.list(folder())) {
      return folders.filter(Files::isDirectory).map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void findingsAreTheExpectedLines(String name) throws Exception {
    Path folder = folder().resolve(name);
    List<ServiceAccount> now = read(folder.resolve("serviceaccounts.yaml"), ServiceAccount.class);
    List<ServiceAccount> admittedWith = Files.exists(folder.resolve("admitted.yaml"))
        ? read(folder.resolve("admitted.yaml"), ServiceAccount.class) : List.of();
    List<Pod> pods = new ArrayList<>();
    for (Pod pod : read(folder.resolve("pods.yaml"), Pod.class)) {
      pods.add(admitted(pod, admittedWith));
    }
    if (Files.exists(folder.resolve("tamper.txt"))) {
      for (String line : Files.readAllLines(folder.resolve("tamper.txt"))) {
        if (!line.isBlank()) {
          tamper(pods, line.strip().split(" "));
        }
      }
    }

    List<String> lines = new InjectionAudit(new PodMutator(SETTINGS), InjectionAudit.SHIPPED_EXCLUDED_NAMESPACES)
        .audit(now, pods).stream().map(AuditCommand::line).toList();

    List<String> expected = Files.readAllLines(folder.resolve("expected.txt")).stream()
        .filter(l -> !l.isBlank()).toList();
    assertThat(lines).as(name).containsExactlyElementsOf(expected);

    // The in-cluster audit judges the pod as its cache keeps it: the same findings, or the cache drops too much.
    var store = new ReducedPodStore(new dev.gcpwif.webhook.mutation.core.Names("cloud.google.com"));
    List<Pod> cached = new ArrayList<>();
    for (Pod pod : pods) {
      String key = store.getKey(pod);
      store.put(key, pod);
      cached.add(store.get(key));
    }
    List<String> fromCache = new InjectionAudit(new PodMutator(SETTINGS), InjectionAudit.SHIPPED_EXCLUDED_NAMESPACES)
        .audit(now, cached).stream().map(AuditCommand::line).toList();
    assertThat(fromCache).as("%s, pods as the in-cluster audit caches them", name).isEqualTo(lines);
  }

  @Test
  void theTableHasTheCasesTheIssueAsksFor() throws Exception {
    assertThat(cases()).contains("uninjected", "stale-email-changed", "stale-mode-changed", "tampered", "clean",
        "excluded-namespace", "service-account-not-opted-in", "pre-receipt", "mirror-pod");
  }

  @Test
  void aPodAdmittedWhileItsServiceAccountWasOptedInGetsAReceiptFromTheRealMutator() throws Exception {
    Path folder = folder().resolve("clean");
    Pod pod = admitted(read(folder.resolve("pods.yaml"), Pod.class).get(0),
        read(folder.resolve("admitted.yaml"), ServiceAccount.class));

    assertThat(pod.getMetadata().getAnnotations()).containsKey("cloud.google.com/injection");
  }

  private static Pod admitted(Pod pod, List<ServiceAccount> admittedWith) throws InvalidAnnotationException {
    String namespace = pod.getMetadata().getNamespace() == null ? "default" : pod.getMetadata().getNamespace();
    String account = pod.getSpec().getServiceAccountName() == null ? "default" : pod.getSpec().getServiceAccountName();
    for (ServiceAccount serviceAccount : admittedWith) {
      String saNamespace = Objects.requireNonNullElse(serviceAccount.getMetadata().getNamespace(), "default");
      if (saNamespace.equals(namespace) && serviceAccount.getMetadata().getName().equals(account)) {
        Pod mutated = new PodMutator(SETTINGS).mutate(pod, serviceAccount);
        assertThat(mutated.getMetadata().getAnnotations()).as("the case's admission injects the pod")
            .containsKey("cloud.google.com/injection");
        return mutated;
      }
    }
    return pod;
  }

  private static void tamper(List<Pod> pods, String[] words) {
    Pod pod = pods.stream().filter(p -> p.getMetadata().getName().equals(words[1])).findFirst().orElseThrow();
    switch (words[0]) {
      case "env" -> {
        Container container = pod.getSpec().getContainers().stream().filter(c -> c.getName().equals(words[2]))
            .findFirst().orElseThrow();
        assertThat(container.getEnv().removeIf(e -> e.getName().equals(words[3]))).as(String.join(" ", words))
            .isTrue();
      }
      case "volume" -> assertThat(pod.getSpec().getVolumes().removeIf(v -> v.getName().equals(words[2])))
          .as(String.join(" ", words)).isTrue();
      default -> throw new IllegalArgumentException("tamper.txt: unknown line " + String.join(" ", words));
    }
  }

  private static <T extends HasMetadata> List<T> read(Path file, Class<T> type) throws IOException {
    List<T> objects = new ArrayList<>();
    for (Object document : new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file))) {
      if (document instanceof Map<?, ?>) {
        objects.add(SERIALIZATION.convertValue(document, type));
      }
    }
    return objects;
  }

  private static Path folder() throws URISyntaxException {
    return Path.of(InjectionAuditTableTest.class.getResource("/audit").toURI());
  }
}
