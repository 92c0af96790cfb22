package dev.gcpwif.webhook.inject;

import dev.gcpwif.webhook.audit.Finding;
import dev.gcpwif.webhook.audit.InjectionAudit;
import dev.gcpwif.webhook.cli.MutationOptions;
import dev.gcpwif.webhook.cli.NamespaceConverter;
import dev.gcpwif.webhook.cli.SidecarOptions;
import dev.gcpwif.webhook.cli.VersionProvider;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "audit", versionProvider = VersionProvider.class, mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Finds pods that should have Google credentials and do not, offline: reads ServiceAccounts and Pods"
            + " (multi-document YAML or JSON, and the 'kind: List' that kubectl get prints) and judges each pod as"
            + " the webhook would admit it now, with the same flags as serve.",
        "One line per finding: NAMESPACE/POD, the kind, what is wrong and what to do. Kinds: uninjected (opted in,"
            + " no receipt: admitted while the webhook was down, or before its ServiceAccount was annotated), stale"
            + " (the receipt's identity is no longer the ServiceAccount's), tampered (what the receipt lists was"
            + " removed from the pod), pre-receipt (injected by a version before receipts: cannot be checked).",
        "Pods in an excluded namespace, labelled gcp-wif.dev/inject=false, mirror pods and finished pods are not"
            + " reported. This command cannot read the cluster's MutatingWebhookConfiguration: pass"
            + " --exclude-namespace when yours excludes other namespaces than the shipped one.",
        "Exit status: 0 when nothing was found, 3 when something was, 1 on bad input (one line on stderr), 2 on a"
            + " usage error."},
    footer = {"Example:", "  kubectl get serviceaccounts,pods -A -o yaml | java -jar webhook.jar audit -f -"})
public final class AuditCommand implements Callable<Integer> {
  /** Exit status when the audit found something: not 1 (bad input) or 2 (usage), so scripts tell them apart. */
  public static final int FOUND = 3;

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** How findings are printed. */
  public enum Output { text, json }

  @Spec CommandSpec spec;

  @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE",
      description = "File with ServiceAccounts and Pods, '-' for stdin; repeatable.")
  List<String> files = new ArrayList<>();

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
      description = "text (one line per finding) or json (an object with a findings array); default: ${DEFAULT-VALUE}.")
  Output output;

  @Option(names = "--exclude-namespace", paramLabel = "NAMESPACE", split = ",",
      defaultValue = InjectionAudit.SHIPPED_EXCLUDED_NAMESPACES_LIST, converter = NamespaceConverter.class,
      description = "Namespace the webhook configuration excludes, not reported; repeatable or comma-separated,"
          + " replaces the default (the shipped configuration's: ${DEFAULT-VALUE}); '--exclude-namespace='"
          + " excludes none.")
  List<String> excludedNamespaces = new ArrayList<>();

  @Mixin MutationOptions mutationOptions;
  @Mixin SidecarOptions sidecarOptions;

  private final InputStream stdin;

  public AuditCommand() {
    this(System.in);
  }

  AuditCommand(InputStream stdin) {
    this.stdin = stdin;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    WebhookSettings settings = mutationOptions.toSettings(sidecarOptions, spec.commandLine());
    Set<String> excluded = NamespaceConverter.excluded(excludedNamespaces);
    List<Finding> findings;
    int pods;
    try {
      AuditInput input = AuditInput.read(ManifestFiles.read(files, stdin));
      pods = input.pods().size();
      findings = new InjectionAudit(new PodMutator(settings), excluded).audit(input.serviceAccounts(), input.pods());
    } catch (ManifestException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return 1;
    }
    if (output == Output.json) {
      out.println(json(findings, pods));
    } else {
      findings.forEach(f -> out.println(line(f)));
      err.println(pods + (pods == 1 ? " pod" : " pods") + " audited, " + findings.size()
          + (findings.size() == 1 ? " finding" : " findings"));
    }
    out.flush();
    err.flush();
    return findings.isEmpty() ? 0 : FOUND;
  }

  /** The text output's line for {@code finding}. */
  public static String line(Finding finding) {
    return finding.namespace() + "/" + finding.pod() + " " + finding.kind().label() + ": "
        + String.join("; ", finding.details()) + ". To do: " + finding.action();
  }

  private static String json(List<Finding> findings, int pods) {
    List<Map<String, Object>> entries = new ArrayList<>();
    for (Finding finding : findings) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("namespace", finding.namespace());
      entry.put("pod", finding.pod());
      entry.put("kind", finding.kind().label());
      entry.put("details", finding.details());
      entry.put("action", finding.action());
      entries.add(entry);
    }
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("podsAudited", pods);
    root.put("findings", entries);
    return SERIALIZATION.asJson(root);
  }
}
