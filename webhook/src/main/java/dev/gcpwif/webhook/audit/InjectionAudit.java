package dev.gcpwif.webhook.audit;

import dev.gcpwif.webhook.audit.Finding.Kind;
import dev.gcpwif.webhook.mutation.MutationResult;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.InjectionReceipt;
import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.PodServiceAccount;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentity;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentityResolver;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The audit: a pure function from (ServiceAccounts, pods, settings) to the pods whose credentials are missing, stale
 * or damaged. No I/O, so the offline {@code audit} command and an in-cluster watch can both feed it.
 *
 * <p>A pod is judged as the admission would judge it now: the same {@link WorkloadIdentityResolver} and the same
 * {@link PodMutator} (mirror pods, skipped containers, a ServiceAccount that is not opted in), so a pod the webhook
 * would leave alone is never reported. What the webhook configuration keeps from the webhook cannot be seen in a pod:
 * the caller passes the excluded namespaces, and the shipped configuration's opt-out label is honoured here.
 *
 * <p>{@link #check} judges one pod, for a watch that re-checks a pod as it or its ServiceAccount changes. A pod with a
 * receipt costs a parse and a pass over the pod; one without runs the mutation on a copy (as an admission would) only
 * when its ServiceAccount is opted in.
 */
public final class InjectionAudit {
  /** The shipped MutatingWebhookConfiguration's objectSelector: pods labelled so never reach the webhook. */
  public static final String OPT_OUT_LABEL = "gcp-wif.dev/inject";
  /** The namespaces the shipped MutatingWebhookConfiguration's namespaceSelector excludes (deploy/base), as a list. */
  public static final String SHIPPED_EXCLUDED_NAMESPACES_LIST = "kube-system,gcp-wif-system";
  public static final Set<String> SHIPPED_EXCLUDED_NAMESPACES = Set.of(SHIPPED_EXCLUDED_NAMESPACES_LIST.split(","));

  private static final String RESTART = "restart the pod (kubectl rollout restart its workload, or delete it)";

  private final PodMutator mutator;
  private final WorkloadIdentityResolver resolver;
  private final Names names;
  private final Set<String> excludedNamespaces;

  /** @param excludedNamespaces namespaces the webhook configuration never sends to the webhook: not reported */
  public InjectionAudit(PodMutator mutator, Set<String> excludedNamespaces) {
    this.mutator = mutator;
    this.resolver = new WorkloadIdentityResolver(mutator.settings());
    this.names = new Names(mutator.settings().annotationPrefix());
    this.excludedNamespaces = Set.copyOf(excludedNamespaces);
  }

  /** The annotation keys this audit reads (for a cache that keeps only those). */
  public Names names() {
    return names;
  }

  /** Every finding, ordered by namespace and pod name; ServiceAccounts without a namespace are in {@code default}. */
  public List<Finding> audit(Collection<ServiceAccount> serviceAccounts, Collection<Pod> pods) {
    Map<String, ServiceAccount> byKey = new HashMap<>();
    for (ServiceAccount serviceAccount : serviceAccounts) {
      if (serviceAccount != null && serviceAccount.getMetadata() != null
          && serviceAccount.getMetadata().getName() != null) {
        byKey.put(namespaceOf(serviceAccount.getMetadata().getNamespace()) + "/"
            + serviceAccount.getMetadata().getName(), serviceAccount);
      }
    }
    List<Finding> findings = new ArrayList<>();
    for (Pod pod : pods) {
      if (pod == null) {
        continue;
      }
      String namespace = namespaceOf(pod.getMetadata() == null ? null : pod.getMetadata().getNamespace());
      check(pod, byKey.get(namespace + "/" + PodServiceAccount.nameOf(pod.getSpec()))).ifPresent(findings::add);
    }
    findings.sort(Comparator.comparing(Finding::namespace).thenComparing(Finding::pod));
    return findings;
  }

  /**
   * The finding for one pod, if any.
   *
   * @param serviceAccount the pod's ServiceAccount, or null when it does not exist (deleted since the pod started)
   */
  public Optional<Finding> check(Pod pod, ServiceAccount serviceAccount) {
    String namespace = namespaceOf(pod.getMetadata() == null ? null : pod.getMetadata().getNamespace());
    if (excludedNamespaces.contains(namespace) || optedOut(pod) || PodMutator.isMirrorPod(pod) || finished(pod)) {
      return Optional.empty();
    }
    String name = pod.getMetadata() == null || pod.getMetadata().getName() == null ? "" : pod.getMetadata().getName();
    String account = "ServiceAccount " + namespace + "/" + PodServiceAccount.nameOf(pod.getSpec());
    Optional<String> receiptValue = InjectionReceipt.annotationOf(pod, names);
    if (receiptValue.isPresent()) {
      return checkReceipt(pod, serviceAccount, receiptValue.get(), namespace, name, account);
    }
    if (!optedIn(serviceAccount)) {
      return Optional.empty(); // the resolver's first test, before the mutation copies the pod
    }
    MutationResult wouldBe;
    try {
      wouldBe = mutator.mutateWithWarnings(pod, serviceAccount);
    } catch (InvalidAnnotationException e) {
      return Optional.of(new Finding(namespace, name, Kind.UNINJECTED,
          List.of(account + " is opted in, but " + e.getMessage()),
          "fix the annotation (the webhook denies new pods of this ServiceAccount until then), then " + RESTART));
    }
    if (wouldBe.receipt().isEmpty()) {
      return Optional.empty(); // not opted in, or nothing to inject (every container skipped)
    }
    if (mutator.hasPreReceiptInjection(pod)) {
      return Optional.of(new Finding(namespace, name, Kind.PRE_RECEIPT,
          List.of("injected by a webhook version before receipts: its credentials cannot be checked"),
          RESTART + " so that the webhook writes a receipt"));
    }
    return Optional.of(new Finding(namespace, name, Kind.UNINJECTED,
        List.of(account + " is opted in but the pod has no receipt (" + names.injection() + "): admitted while the"
            + " webhook was unreachable, or before the ServiceAccount was annotated"),
        RESTART + " while the webhook is up"));
  }

  private Optional<Finding> checkReceipt(Pod pod, ServiceAccount serviceAccount, String value, String namespace,
      String name, String account) {
    InjectionReceipt receipt;
    try {
      receipt = InjectionReceipt.parse(value);
    } catch (IllegalArgumentException unreadable) {
      return Optional.of(new Finding(namespace, name, Kind.TAMPERED,
          List.of(names.injection() + " is not a receipt this webhook wrote (" + unreadable.getMessage() + ")"),
          "find what rewrote the annotation, then " + RESTART));
    }
    List<String> missing = receipt.missingFrom(pod, names);
    List<String> stale = new ArrayList<>();
    String staleAction = "";
    try {
      Optional<WorkloadIdentity> current = resolver.resolve(pod, serviceAccount, new ArrayList<>());
      if (current.isEmpty()) {
        stale.add(serviceAccount == null ? account + " no longer exists"
            : account + " is no longer opted in (no " + names.provider() + " annotation)");
        staleAction = RESTART + " to remove the credentials";
      } else {
        stale.addAll(receipt.differencesFrom(current.get()));
        staleAction = RESTART + " to render the ServiceAccount's current identity";
      }
    } catch (InvalidAnnotationException e) {
      stale.add(account + ": " + e.getMessage());
      staleAction = "fix the annotation (a restarted pod would be denied until then), then " + RESTART;
    }
    if (!missing.isEmpty()) {
      // Reported first: the credentials are broken now, and a restart alone may meet the same other webhook again.
      List<String> details = new ArrayList<>();
      missing.forEach(m -> details.add("missing: " + m));
      details.addAll(stale);
      return Optional.of(new Finding(namespace, name, Kind.TAMPERED, details,
          "find what removed them (another mutating webhook? kubectl get mutatingwebhookconfigurations), then "
              + RESTART));
    }
    if (!stale.isEmpty()) {
      return Optional.of(new Finding(namespace, name, Kind.STALE, stale, staleAction));
    }
    return Optional.empty();
  }

  private boolean optedIn(ServiceAccount serviceAccount) {
    return serviceAccount != null && serviceAccount.getMetadata() != null
        && serviceAccount.getMetadata().getAnnotations() != null
        && serviceAccount.getMetadata().getAnnotations().containsKey(names.provider());
  }

  private static boolean optedOut(Pod pod) {
    return pod.getMetadata() != null && pod.getMetadata().getLabels() != null
        && "false".equals(pod.getMetadata().getLabels().get(OPT_OUT_LABEL));
  }

  /** A pod that has run to completion uses no credentials any more, and restarting it means nothing. */
  private static boolean finished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }


  private static String namespaceOf(String namespace) {
    return namespace == null || namespace.isEmpty() ? "default" : namespace;
  }
}
