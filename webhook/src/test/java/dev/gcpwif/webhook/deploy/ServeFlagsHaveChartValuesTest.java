package dev.gcpwif.webhook.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.deploy.Kustomize.Rendered;
import dev.gcpwif.webhook.serve.ServeCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every flag of {@code webhook serve} is reachable through a value of the chart. A flag added to serve fails this
 * test until it gets a row in {@link #VALUES} (a value in values.yaml, values.schema.json, the README table and
 * templates/deployment.yaml) or, with its reason, in {@link #NOT_VALUES}.
 */
class ServeFlagsHaveChartValuesTest {

  private static final String GO_CHART_ONLY = "accepted only so that the Go webhook's chart's arguments start serve; "
      + "it has no effect here, so this chart has no value for it";

  /** Flags the chart sets itself, and why they are no value. */
  static final Map<String, String> NOT_VALUES = Map.ofEntries(
      Map.entry("--zap-devel", GO_CHART_ONLY), Map.entry("--zap-log-level", GO_CHART_ONLY),
      Map.entry("--zap-encoder", GO_CHART_ONLY), Map.entry("--zap-stacktrace-level", GO_CHART_ONLY),
      Map.entry("--zap-time-encoding", GO_CHART_ONLY), Map.entry("--gcloud-image", GO_CHART_ONLY),
      Map.entry("--setup-container-resources", GO_CHART_ONLY),
      Map.entry(
      "--tls-cert-file", "where the chart mounts (cert-manager) or writes (self-signed) the serving pair: follows "
          + "certManager.enabled"),
      Map.entry("--tls-key-file", "as --tls-cert-file"),
      Map.entry("--metrics-bind-address", "Prometheus scrapes /metrics on the chart's HTTPS port, which needs no "
          + "second listener; the flag exists so that the Go chart's arguments start serve (extraArgs "
          + "can pass it, with a containerPort)"),
      Map.entry("--health-probe-bind-address", "the chart's probes use /healthz and /readyz on the HTTPS port; as "
          + "--metrics-bind-address"),
      Map.entry("--service-namespace", "always the release namespace, from the downward API (POD_NAMESPACE), as in kustomize"),
      Map.entry("--audit-pods", "audit.enabled, which also decides the RBAC rules; the flag is rendered always, "
          + "--audit-resync and --exclude-namespace only when it is true (HelmChartTest)"),
      Map.entry("--audit-lease", "the release's full name with -audit, which the chart's Role names too, so two "
          + "releases in one namespace never share a Lease (HelmChartTest)"),
      Map.entry("--exclude-namespace", "the namespaces the chart's MutatingWebhookConfiguration excludes "
          + "(admission.excludedNamespaces and the release namespace), so the audit never reports a pod the webhook "
          + "cannot see (DeployManifestsTest)"),
      Map.entry("--kubeconfig", "the webhook reaches the API server with its own ServiceAccount, whose RBAC the chart renders; a "
          + "kubeconfig is for running serve outside the cluster (extraArgs can still pass one)"));

  /** One row per flag: the values that set it, and the flag as serve must then receive it. */
  static final List<Row> VALUES = List.of(
      row("--address", "--address=127.0.0.1", "server.address", "127.0.0.1"),
      row("--port", "--port=9443", "server.port", 9443),
      row("--cert-reload-interval", "--cert-reload-interval=30s", "server.certReloadInterval", "30s"),
      row("--shutdown-delay", "--shutdown-delay=5s", "server.shutdownDelay", "5s"),
      row("--shutdown-grace", "--shutdown-grace=15s", "server.shutdownGrace", "15s"),
      row("--informer-resync", "--informer-resync=30m", "server.informerResync", "30m"),
      row("--serviceaccount-lookup-timeout", "--serviceaccount-lookup-timeout=2s",
          "server.serviceAccountLookupTimeout", "2s"),
      row("--serviceaccount-direct-reads-per-second", "--serviceaccount-direct-reads-per-second=2.5",
          "server.serviceAccountDirectReadsPerSecond", 2.5),
      row("--request-read-timeout", "--request-read-timeout=5s", "server.requestReadTimeout", "5s"),
      row("--idle-timeout", "--idle-timeout=1m", "server.idleTimeout", "1m"),
      row("--tls-min-version", "--tls-min-version=VersionTLS13", "server.tlsMinVersion", "VersionTLS13"),
      row("--tls-cipher-suites",
          "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "server.tlsCipherSuites",
          List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")),
      row("--audit-resync", "--audit-resync=30m", "audit.resync", "30m"),
      row("--annotation-prefix", "--annotation-prefix=example.com", "mutation.annotationPrefix", "example.com"),
      row("--token-audience", "--token-audience=my-audience", "mutation.tokenAudience", "my-audience"),
      row("--token-expiration", "--token-expiration=3600", "mutation.tokenExpiration", 3600),
      row("--token-default-mode", "--token-default-mode=0440", "mutation.tokenDefaultMode", "0440"),
      row("--gcp-default-region", "--gcp-default-region=europe-west1", "mutation.gcpDefaultRegion", "europe-west1"),
      row("--sidecar-image", "--sidecar-image=registry.example.com/sidecar:1.2.3",
          "sidecar.image.repository", "registry.example.com/sidecar", "sidecar.image.tag", "1.2.3"),
      row("--sidecar-image-pull-policy", "--sidecar-image-pull-policy=Always", "sidecar.image.pullPolicy", "Always"),
      row("--sidecar-port", "--sidecar-port=9988", "sidecar.port", 9988),
      row("--sidecar-health-port", "--sidecar-health-port=9989", "sidecar.healthPort", 9989),
      row("--sidecar-native", "--sidecar-native=false", "sidecar.native", false),
      row("--sidecar-cpu-request", "--sidecar-cpu-request=50m", "sidecar.cpuRequest", "50m"),
      row("--sidecar-cpu-limit", "--sidecar-cpu-limit=500m", "sidecar.cpuLimit", "500m"),
      row("--sidecar-memory-request", "--sidecar-memory-request=100Mi", "sidecar.memoryRequest", "100Mi"),
      row("--sidecar-memory-limit", "--sidecar-memory-limit=none", "sidecar.memoryLimit", "none"),
      row("--sidecar-log-level", "--sidecar-log-level=debug", "sidecar.logLevel", "debug"),
      selfSignedRow("--self-signed-certs", "--self-signed-certs"),
      selfSignedRow("--self-signed-secret", "--self-signed-secret=acme-tls", "selfSigned.secretName", "acme-tls"),
      selfSignedRow("--webhook-config-name", "--webhook-config-name=acme-webhook", "fullnameOverride", "acme"),
      selfSignedRow("--service-name", "--service-name=acme-webhook", "fullnameOverride", "acme"),
      selfSignedRow("--cluster-domain", "--cluster-domain=corp.internal", "clusterDomain", "corp.internal"),
      selfSignedRow("--self-signed-ca-validity", "--self-signed-ca-validity=43800h", "selfSigned.caValidity", "43800h"),
      selfSignedRow("--self-signed-ca-renew-before", "--self-signed-ca-renew-before=4380h",
          "selfSigned.caRenewBefore", "4380h"),
      selfSignedRow("--self-signed-cert-validity", "--self-signed-cert-validity=720h",
          "selfSigned.certValidity", "720h"),
      selfSignedRow("--self-signed-cert-renew-before", "--self-signed-cert-renew-before=240h",
          "selfSigned.certRenewBefore", "240h"),
      selfSignedRow("--self-signed-check-interval", "--self-signed-check-interval=5m",
          "selfSigned.checkInterval", "5m"));

  @Test
  void everyServeFlagHasAChartValueOrAReasonWhyNot() {
    TreeSet<String> missing = new TreeSet<>(serveFlags());
    VALUES.forEach(row -> missing.remove(row.flag()));
    missing.removeAll(NOT_VALUES.keySet());

    assertThat(missing).as("serve flags with no value in deploy/helm/gcp-wif: add the value (values.yaml, "
        + "values.schema.json, templates/deployment.yaml, README) and a row in ServeFlagsHaveChartValuesTest.VALUES, "
        + "or the flag and a reason in NOT_VALUES").isEmpty();
    assertThat(VALUES).extracting(Row::flag).doesNotHaveDuplicates().allSatisfy(flag -> assertThat(serveFlags())
        .as("rows for flags serve no longer has").contains(flag));
    assertThat(NOT_VALUES.keySet()).allSatisfy(flag -> assertThat(serveFlags()).contains(flag));
  }

  @Test
  void eachValueReachesServeAsItsFlagInCertManagerMode() {
    assertValuesReachServe(VALUES.stream().filter(row -> !row.selfSigned()).toList(), Map.of());
  }

  @Test
  void eachValueReachesServeAsItsFlagInSelfSignedMode() {
    assertValuesReachServe(VALUES.stream().filter(Row::selfSigned).toList(), Map.of("certManager.enabled", false));
  }

  @Test
  void extraArgsPassAFlagTheChartDoesNotSet() {
    Rendered rendered = HelmChart.renderValues("extraArgs", Map.of("extraArgs", List.of("--kubeconfig=/etc/kube/config")));
    List<String> args = DeployManifestsTest.webhookContainer(rendered).getArgs();

    assertThat(args).endsWith("--kubeconfig=/etc/kube/config");
    Path kubeconfig = DeployManifestsTest.serveArgs(rendered).matchedOptionValue("--kubeconfig", null);
    assertThat(kubeconfig).isEqualTo(Path.of("/etc/kube/config"));
  }

  @Test
  void extraArgsCannotRepeatAFlagTheChartSetsServeRefusesIt() {
    // values.yaml says so next to extraArgs: the chart's value is the way to change such a flag.
    Rendered rendered = HelmChart.renderValues("extraArgs", Map.of("extraArgs", List.of("--informer-resync=1m")));

    assertThatThrownBy(() -> DeployManifestsTest.serveArgs(rendered))
        .hasMessageContaining("'--informer-resync' (DURATION) should be specified only once");
  }

  private static void assertValuesReachServe(List<Row> rows, Map<String, Object> mode) {
    Map<String, Object> values = new LinkedHashMap<>(mode);
    rows.forEach(row -> values.putAll(row.values()));
    Map<String, String> defaults = HelmKustomizeEquivalenceTest.options(HelmChart.defaults());
    Map<String, String> rendered = HelmKustomizeEquivalenceTest.options(HelmChart.renderValues("every value", values));

    for (Row row : rows) {
      String expected = valueServeGives(row.flag(), row.arg());
      assertThat(rendered.get(row.flag())).as("%s from %s", row.flag(), row.values()).isEqualTo(expected)
          .as("%s: the sample must differ from the default to show that the value reaches serve", row.flag())
          .isNotEqualTo(defaults.get(row.flag()));
    }
  }

  /** What the real serve makes of that one flag. */
  private static String valueServeGives(String flag, String arg) {
    CommandLine serve = new CommandLine(new ServeCommand());
    serve.parseArgs(arg);
    return Objects.toString(serve.getCommandSpec().findOption(flag).getValue());
  }

  private static List<String> serveFlags() {
    List<String> flags = new ArrayList<>();
    for (OptionSpec option : CommandSpec.forAnnotatedObject(new ServeCommand()).options()) {
      if (!option.usageHelp() && !option.versionHelp()) {
        flags.add(option.longestName());
      }
    }
    return flags;
  }

  record Row(String flag, String arg, Map<String, Object> values, boolean selfSigned) {}

  private static Row row(String flag, String arg, Object... values) {
    return new Row(flag, arg, HelmChart.set(values), false);
  }

  private static Row selfSignedRow(String flag, String arg, Object... values) {
    return new Row(flag, arg, HelmChart.set(values), true);
  }
}
