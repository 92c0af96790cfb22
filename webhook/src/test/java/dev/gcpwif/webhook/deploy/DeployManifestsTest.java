package dev.gcpwif.webhook.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.audit.ClusterAudit;
import dev.gcpwif.webhook.deploy.Kustomize.Rendered;
import dev.gcpwif.webhook.serve.ServeCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Every installable rendering of the install, checked by the same assertions: the kustomize overlays as
 * {@code kubectl kustomize} renders them, and the Helm chart as real Helm renders it with its defaults (both
 * certificate modes) and with each values example under deploy/helm/gcp-wif/examples.
 */
class DeployManifestsTest {

  private static final Map<String, Rendered> RENDERED = new HashMap<>();
  /** The values examples the README documents; HelmChartTest checks this list against the directory. */
  static final List<String> HELM_EXAMPLES = List.of("self-signed.yaml", "production.yaml", "gitops.yaml");

  static Stream<Rendered> installable() {
    return Stream.concat(defaults(), HELM_EXAMPLES.stream().map(example -> rendered("helm:" + example)));
  }

  /** What a user gets without choosing a value: the two overlays and the chart's two certificate modes. */
  static Stream<Rendered> defaults() {
    return Stream.of("overlays/cert-manager", "overlays/self-signed", "helm:default", "helm:self-signed")
        .map(DeployManifestsTest::rendered);
  }

  static Stream<Rendered> serviceAccountReadersOnly() {
    return Stream.of("base", "overlays/cert-manager", "helm:default").map(DeployManifestsTest::rendered);
  }

  static Stream<Rendered> selfSignedModes() {
    return Stream.of("overlays/self-signed", "helm:self-signed", "helm:self-signed.yaml")
        .map(DeployManifestsTest::rendered);
  }

  static Rendered rendered(String variant) {
    synchronized (RENDERED) {
      return RENDERED.computeIfAbsent(variant, DeployManifestsTest::render);
    }
  }

  private static Rendered render(String variant) {
    if (variant.equals("helm:default")) {
      return HelmChart.defaults();
    }
    if (variant.equals("helm:self-signed")) {
      return HelmChart.selfSigned();
    }
    if (variant.startsWith("helm:")) {
      return HelmChart.withExample(variant.substring("helm:".length()));
    }
    return Kustomize.render(variant);
  }

  /** What the in-cluster audit adds (serve --audit-pods, on by default): the pod watch and its Events. */
  static final List<String> AUDIT_CLUSTER_RULES = List.of("[] pods [] [list, watch]", "[] events [] [create]");
  /** And its leader election, in the webhook's own namespace only, on the Lease that variant's serve is told to use. */
  static List<String> auditLeaseRules(Rendered variant) {
    String lease = webhookContainer(variant).getArgs().stream().filter(arg -> arg.startsWith("--audit-lease="))
        .map(arg -> arg.substring("--audit-lease=".length())).findFirst().orElse(ClusterAudit.DEFAULT_LEASE_NAME);
    return List.of("[coordination.k8s.io] leases [" + lease + "] [get, update]",
        "[coordination.k8s.io] leases [] [create]");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serviceAccountReadersOnly")
  void baseAndCertManagerRbacReadServiceAccountsAndWhatTheAuditNeeds(Rendered variant) {
    ClusterRole role = variant.only(ClusterRole.class);
    List<String> expected = new java.util.ArrayList<>(List.of("[] serviceaccounts [] [get, list, watch]"));
    expected.addAll(AUDIT_CLUSTER_RULES);
    assertThat(rulesOf(role.getRules())).as("%s", variant).containsExactlyInAnyOrderElementsOf(expected);
    Role lease = variant.only(Role.class);
    assertThat(lease.getMetadata().getNamespace()).as("the Lease's Role is in the webhook's namespace")
        .isEqualTo(namespace(variant));
    assertThat(rulesOf(lease.getRules())).containsExactlyInAnyOrderElementsOf(auditLeaseRules(variant));
  }

  @Test
  void helmWithTheAuditOffRendersNoPodEventOrLeaseRules() {
    Rendered off = HelmChart.renderValues("audit off", Map.of("audit", Map.of("enabled", false)));

    assertThat(rulesOf(off.only(ClusterRole.class).getRules()))
        .containsExactly("[] serviceaccounts [] [get, list, watch]");
    assertThat(off.all(Role.class)).isEmpty();
    assertThat(serveArgs(off).matchedOptionValue("--audit-pods", true)).isFalse();
  }

  @Test
  void twoHelmReleasesInOneNamespaceAuditThroughTwoLeases() {
    Rendered first = HelmChart.renderValues("release acme", Map.of("fullnameOverride", "acme"));
    Rendered second = HelmChart.renderValues("release other", Map.of("fullnameOverride", "other"));

    assertThat(serveArgs(first).matchedOptionValue("--audit-lease", "")).isEqualTo("acme-webhook-audit");
    assertThat(serveArgs(second).matchedOptionValue("--audit-lease", "")).isEqualTo("other-webhook-audit");
    assertThat(rulesOf(first.only(Role.class).getRules())).contains("[coordination.k8s.io] leases [acme-webhook-audit] [get, update]");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("installable")
  void theAuditSkipsTheNamespacesTheWebhookConfigurationExcludes(Rendered variant) {
    List<String> excluded = variant.only(MutatingWebhookConfiguration.class).getWebhooks().get(0)
        .getNamespaceSelector().getMatchExpressions().stream()
        .filter(e -> e.getKey().equals("kubernetes.io/metadata.name") && e.getOperator().equals("NotIn"))
        .flatMap(e -> e.getValues().stream()).toList();
    // Not passed: serve's default, the shipped configuration's list.
    List<String> audited = serveArgs(variant).matchedOptionValue("--exclude-namespace",
        List.copyOf(dev.gcpwif.webhook.audit.InjectionAudit.SHIPPED_EXCLUDED_NAMESPACES));

    assertThat(audited).as("%s: --exclude-namespace", variant).containsExactlyInAnyOrderElementsOf(excluded);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("selfSignedModes")
  void selfSignedAddsOnlyItsSecretAndItsWebhookConfiguration(Rendered selfSigned) {
    String webhookConfig = selfSigned.only(MutatingWebhookConfiguration.class).getMetadata().getName();

    assertThat(selfSigned.all(ClusterRole.class)).extracting(role -> role.getMetadata().getName())
        .containsExactlyInAnyOrder("gcp-wif-webhook", "gcp-wif-webhook-ca-injection");
    assertThat(selfSigned.all(Secret.class)).as("the webhook creates its Secret at run time").isEmpty();
    assertThat(serveArgs(selfSigned).matchedOptionValue("--webhook-config-name", "")).isEqualTo(webhookConfig);
    assertThat(serveArgs(selfSigned).matchedOptionValue("--service-name", ""))
        .isEqualTo(selfSigned.only(Service.class).getMetadata().getName());
    List<String> expected = new java.util.ArrayList<>(List.of("[] serviceaccounts [] [get, list, watch]",
        "[admissionregistration.k8s.io] mutatingwebhookconfigurations [" + webhookConfig + "] [get, patch]"));
    expected.addAll(AUDIT_CLUSTER_RULES);
    assertThat(rules(selfSigned.all(ClusterRole.class))).containsExactlyInAnyOrderElementsOf(expected);
    Role role = selfSigned.all(Role.class).stream().filter(r -> r.getMetadata().getName().endsWith("-certs"))
        .findFirst().orElseThrow();
    assertThat(role.getMetadata().getNamespace()).isEqualTo(namespace(selfSigned));
    assertThat(rulesOf(role.getRules())).containsExactlyInAnyOrder(
        "[] secrets [" + serveArgs(selfSigned).matchedOptionValue("--self-signed-secret", "") + "] [get, update]",
        "[] secrets [] [create]");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("installable")
  void selectorsOfServicePdbNetworkPolicyAndSpreadAllPickTheWebhookPods(Rendered variant) {
    Deployment deployment = variant.only(Deployment.class);
    Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
    Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();

    assertThat(podLabels).containsAllEntriesOf(selector);
    assertThat(deployment.getSpec().getSelector().getMatchExpressions()).isNullOrEmpty();
    assertThat(variant.only(Service.class).getSpec().getSelector()).isEqualTo(selector);
    PodDisruptionBudget pdb = variant.only(PodDisruptionBudget.class);
    assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(selector);
    assertThat(variant.only(NetworkPolicy.class).getSpec().getPodSelector().getMatchLabels()).isEqualTo(selector);
    assertThat(deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints())
        .allSatisfy(spread -> assertThat(spread.getLabelSelector().getMatchLabels()).isEqualTo(selector));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("installable")
  void twoOrMoreReplicasSpreadOverNodesAndADrainKeepsOneAnswering(Rendered variant) {
    Deployment deployment = variant.only(Deployment.class);
    PodDisruptionBudget pdb = variant.only(PodDisruptionBudget.class);

    assertThat(deployment.getSpec().getReplicas()).isGreaterThanOrEqualTo(2);
    assertThat(deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints())
        .extracting(spread -> spread.getTopologyKey()).contains("kubernetes.io/hostname");
    assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isBetween(1, deployment.getSpec().getReplicas() - 1);
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("installable")
  void podsMeetTheRestrictedPodSecurityStandardWithRequestsAndAMemoryLimit(Rendered variant) {
    PodSpec pod = variant.only(Deployment.class).getSpec().getTemplate().getSpec();

    assertThat(variant.all(Namespace.class)).as("namespaces rendered by %s", variant).allSatisfy(namespace -> {
      assertThat(namespace.getMetadata().getName()).isEqualTo(namespace(variant));
      assertThat(namespace.getMetadata().getLabels()).containsEntry("pod-security.kubernetes.io/enforce", "restricted");
    });
    if (!variant.variant().startsWith("helm")) {
      // Helm cannot create its own release namespace (HelmKustomizeEquivalenceTest); kustomize does.
      assertThat(variant.all(Namespace.class)).as("%s", variant).hasSize(1);
    }
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getContainers()).allSatisfy(container -> {
      assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(container.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
      assertThat(container.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
      assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
      assertThat(container.getResources().getLimits()).containsKey("memory");
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("installable")
  void webhookSeesOnlyPodCreationsOutsideItsOwnAndTheSystemNamespace(Rendered variant) {
    MutatingWebhook webhook = onlyWebhook(variant);

    assertThat(webhook.getRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getApiGroups()).containsExactly("");
      assertThat(rule.getApiVersions()).containsExactly("v1");
      assertThat(rule.getResources()).containsExactly("pods");
      assertThat(rule.getOperations()).containsExactly("CREATE");
    });
    assertThat(webhook.getSideEffects()).isEqualTo("None");
    assertThat(webhook.getAdmissionReviewVersions()).containsExactly("v1");
    assertThat(webhook.getTimeoutSeconds()).isBetween(1, 10);
    assertThat(webhook.getReinvocationPolicy()).isEqualTo("IfNeeded");
    assertThat(webhook.getNamespaceSelector().getMatchLabels()).isNullOrEmpty();
    assertThat(webhook.getNamespaceSelector().getMatchExpressions()).singleElement().satisfies(expression -> {
      assertThat(expression.getKey()).isEqualTo("kubernetes.io/metadata.name");
      assertThat(expression.getOperator()).isEqualTo("NotIn");
      assertThat(expression.getValues()).contains("kube-system", namespace(variant));
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("defaults")
  void failurePolicyIsTheDocumentedIgnore(Rendered variant) {
    // deploy/base/mutatingwebhookconfiguration.yaml explains both choices next to the field.
    assertThat(onlyWebhook(variant).getFailurePolicy()).isEqualTo("Ignore");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("installable")
  void theApiServerReachesMutateThroughTheServiceOnTheServingPort(Rendered variant) {
    var service = onlyWebhook(variant).getClientConfig().getService();
    Service rendered = variant.only(Service.class);
    ServicePort servicePort = rendered.getSpec().getPorts().stream()
        .filter(port -> port.getPort().equals(service.getPort())).findFirst().orElseThrow();
    Container webhook = webhookContainer(variant);

    assertThat(service.getPath()).isEqualTo("/mutate");
    assertThat(service.getName()).isEqualTo(rendered.getMetadata().getName());
    assertThat(service.getNamespace()).isEqualTo(rendered.getMetadata().getNamespace());
    assertThat(containerPort(webhook, servicePort.getTargetPort().getStrVal()))
        .isEqualTo(serveArgs(variant).matchedOptionValue("--port", 8443));
    assertThat(variant.only(NetworkPolicy.class).getSpec().getIngress()).singleElement()
        .satisfies(ingress -> assertThat(ingress.getPorts()).singleElement()
            .satisfies(port -> assertThat(port.getPort().getIntVal())
                .isEqualTo(serveArgs(variant).matchedOptionValue("--port", 8443))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("installable")
  void probesAskTheHttpsPortForHealthAndReadiness(Rendered variant) {
    Container webhook = webhookContainer(variant);
    int servingPort = serveArgs(variant).matchedOptionValue("--port", 8443);

    assertThat(List.of(webhook.getStartupProbe(), webhook.getLivenessProbe())).extracting(probe -> path(probe))
        .containsOnly("/healthz");
    assertThat(path(webhook.getReadinessProbe())).isEqualTo("/readyz");
    assertThat(Stream.of(webhook.getStartupProbe(), webhook.getLivenessProbe(), webhook.getReadinessProbe()))
        .allSatisfy(probe -> {
          assertThat(probe.getHttpGet().getScheme()).isEqualTo("HTTPS");
          assertThat(containerPort(webhook, probe.getHttpGet().getPort().getStrVal())).isEqualTo(servingPort);
        });
    assertThat(ProbeEndpoints.statusOf(path(webhook.getLivenessProbe()))).isEqualTo(200);
    assertThat(ProbeEndpoints.statusOf(path(webhook.getReadinessProbe()))).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("installable")
  void argsAreFlagsTheRealServeCommandAcceptsAndTheCertificateFilesAreWhereTheyAreWritten(Rendered variant) {
    Container webhook = webhookContainer(variant);
    ParseResult args = serveArgs(variant);
    Path certFile = args.matchedOptionValue("--tls-cert-file", null);
    Path keyFile = args.matchedOptionValue("--tls-key-file", null);

    assertThat(webhook.getArgs()).first().isEqualTo("serve");
    assertThat(certFile).isNotNull();
    assertThat(keyFile).isNotNull();
    VolumeMount mount = mountHolding(webhook, certFile);
    assertThat(mountHolding(webhook, keyFile)).isEqualTo(mount);
    Volume volume = variant.only(Deployment.class).getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(candidate -> candidate.getName().equals(mount.getName())).findFirst().orElseThrow();
    boolean selfSigned = args.matchedOptionValue("--self-signed-certs", false);
    if (selfSigned) {
      assertThat(volume.getEmptyDir()).as("self-signed mode writes the pair itself").isNotNull();
      assertThat(mount.getReadOnly()).isNotEqualTo(Boolean.TRUE);
      assertThat(webhook.getEnv()).anySatisfy(env -> {
        assertThat(env.getName()).isEqualTo("POD_NAMESPACE");
        assertThat(env.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
      });
    } else {
      assertThat(variant.objects()).as("%s renders the Certificate", variant)
          .anySatisfy(object -> assertThat(object.getKind()).isEqualTo("Certificate"));
      assertThat(volume.getSecret().getSecretName()).as("the Secret cert-manager writes").isEqualTo(
          certManagerSecretName(variant));
      assertThat(certFile.getFileName()).hasToString("tls.crt");
      assertThat(keyFile.getFileName()).hasToString("tls.key");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("installable")
  void terminationGraceCoversTheShutdownDelayAndDrain(Rendered variant) {
    ParseResult args = serveArgs(variant);
    Duration delay = args.matchedOptionValue("--shutdown-delay", Duration.ofSeconds(3));
    Duration grace = args.matchedOptionValue("--shutdown-grace", Duration.ofSeconds(20));

    assertThat(Duration.ofSeconds(variant.only(Deployment.class).getSpec().getTemplate().getSpec()
        .getTerminationGracePeriodSeconds())).isGreaterThan(delay.plus(grace));
  }

  /** The container args, parsed by the real {@code serve}: an unknown flag or a bad value fails here. */
  static ParseResult serveArgs(Rendered variant) {
    List<String> args = webhookContainer(variant).getArgs();
    ParseResult result = new CommandLine(new ServeCommand()).parseArgs(args.subList(1, args.size())
        .toArray(String[]::new));
    return result;
  }

  private static String certManagerSecretName(Rendered variant) {
    return variant.objects().stream().filter(object -> object.getKind().equals("Certificate"))
        .filter(object -> object.getMetadata().getName().equals("gcp-wif-webhook"))
        .map(object -> ((io.fabric8.kubernetes.api.model.GenericKubernetesResource) object).get("spec", "secretName"))
        .map(String.class::cast).findFirst().orElseThrow();
  }

  private static VolumeMount mountHolding(Container container, Path file) {
    return container.getVolumeMounts().stream().filter(mount -> file.startsWith(Path.of(mount.getMountPath())))
        .findFirst().orElseThrow(() -> new AssertionError(file + " is on no volume of " + container.getName()));
  }

  static Container webhookContainer(Rendered variant) {
    return variant.only(Deployment.class).getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(container -> container.getName().equals("webhook")).findFirst().orElseThrow();
  }

  private static MutatingWebhook onlyWebhook(Rendered variant) {
    List<MutatingWebhook> webhooks = variant.only(MutatingWebhookConfiguration.class).getWebhooks();
    assertThat(webhooks).hasSize(1);
    return webhooks.get(0);
  }

  private static int containerPort(Container container, String name) {
    return container.getPorts().stream().filter(port -> name.equals(port.getName())).map(ContainerPort::getContainerPort)
        .findFirst().orElseThrow(() -> new AssertionError("no container port named " + name));
  }

  private static String path(Probe probe) {
    return probe.getHttpGet().getPath();
  }

  /** The install's namespace: where its Service is (Helm renders no Namespace object by default). */
  private static String namespace(Rendered variant) {
    return variant.only(Service.class).getMetadata().getNamespace();
  }

  private static List<String> rules(List<ClusterRole> roles) {
    return roles.stream().flatMap(role -> rulesOf(role.getRules()).stream()).toList();
  }

  static List<String> rulesOf(List<PolicyRule> rules) {
    return rules.stream().map(rule -> rule.getApiGroups() + " " + String.join(",", rule.getResources()) + " "
        + rule.getResourceNames() + " " + rule.getVerbs().stream().sorted().toList()).toList();
  }
}
