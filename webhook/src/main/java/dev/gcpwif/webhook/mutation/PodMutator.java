package dev.gcpwif.webhook.mutation;

import dev.gcpwif.webhook.mutation.core.InjectionMode;
import dev.gcpwif.webhook.mutation.core.InjectionReceipt;
import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.mutation.core.Names;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentity;
import dev.gcpwif.webhook.mutation.core.WorkloadIdentityResolver;
import dev.gcpwif.webhook.mutation.file.FileModeRenderer;
import dev.gcpwif.webhook.mutation.metadata.MetadataModeOptions;
import dev.gcpwif.webhook.mutation.metadata.MetadataModeRenderer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The mutation: a pure function from (pod, service account, settings) to the pod to admit. No I/O; the admission
 * endpoint and the offline {@code inject} command both call it, and diff the result against the input.
 *
 * <p>One pass: resolve the identity; remove exactly what the previous pass's receipt lists (or, for a pod mutated
 * before receipts, what {@link LegacyInjection} recognizes), and what the Go webhook added ({@link
 * GoWebhookInjection}); render the chosen mode straight from the identity; write the receipt of what was added.
 */
public final class PodMutator {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  /** A pod without annotations of its own: mutating it reads every ServiceAccount annotation and nothing else. */
  private static final Pod PROBE_POD = new PodBuilder()
      .withNewMetadata().withName("probe").endMetadata()
      .withNewSpec().addNewContainer().withName("probe").withImage("probe").endContainer().endSpec()
      .build();
  private final WebhookSettings settings;
  private final Names names;
  private final WorkloadIdentityResolver resolver;
  private final LegacyInjection legacy;
  private final GoWebhookInjection goWebhook;
  private final FileModeRenderer fileMode;
  private final MetadataModeRenderer metadataMode;

  public PodMutator(WebhookSettings settings) {
    this.settings = settings;
    this.names = new Names(settings.annotationPrefix());
    this.resolver = new WorkloadIdentityResolver(settings);
    this.legacy = new LegacyInjection(settings);
    this.goWebhook = new GoWebhookInjection(settings);
    this.fileMode = new FileModeRenderer(settings);
    this.metadataMode = new MetadataModeRenderer(settings);
  }

  /**
   * Returns a mutated copy of {@code pod}; {@code pod} itself is never modified. A pod that needs nothing comes back
   * equal to its input, and a mutated pod comes back equal to itself (with its configuration re-rendered from the
   * current ServiceAccount).
   *
   * @param serviceAccount the pod's ServiceAccount, or null when it does not exist
   * @throws InvalidAnnotationException when an annotation on the pod or the ServiceAccount is malformed, or
   *     ({@link dev.gcpwif.webhook.mutation.core.PodConflictException}) when the pod already uses the volume name or
   *     mount path, or in metadata mode the sidecar's container or volume name, for something else
   */
  public Pod mutate(Pod pod, ServiceAccount serviceAccount) throws InvalidAnnotationException {
    return mutateWithWarnings(pod, serviceAccount).pod();
  }

  /**
   * {@link #mutate}, with the admission warnings (values that were corrected or ignored rather than denied, so that
   * a pod the Go webhook admitted is admitted here too and its owner learns what was used instead), the identity
   * resolved and the receipt written.
   */
  public MutationResult mutateWithWarnings(Pod pod, ServiceAccount serviceAccount) throws InvalidAnnotationException {
    // A deep copy through Jackson's token buffer: clone() writes and re-parses JSON text, which costs half again as
    // much (AdmissionMicrobench: 55 vs 90 µs for a 20-container pod).
    return mutateOwnCopy(SERIALIZATION.convertValue(pod, Pod.class), serviceAccount);
  }

  /**
   * {@link #mutateWithWarnings} on a pod the caller hands over and does not read again: {@code copy} is changed in
   * place and returned in the result. The admission endpoint binds its copy from the tree it diffs against, which
   * costs less than the token-buffer copy above (AdmissionMicrobench, BENCHMARKS.md issue 14, fourth pass).
   */
  public MutationResult mutateOwnCopy(Pod copy, ServiceAccount serviceAccount) throws InvalidAnnotationException {
    List<String> warnings = new ArrayList<>();
    // Until the first change below, copy still equals the pod as submitted: what is read from it is the input's.
    Pod pod = copy;
    if (isMirrorPod(pod)) {
      // The kubelet's copy of a static pod: the API server's ServiceAccount admission forbids the token projection in
      // it, and the kubelet runs the static pod from its own manifest anyway. Never touched, never denied.
      return new MutationResult(copy, warnings, Optional.empty(), Optional.empty());
    }
    Optional<WorkloadIdentity> resolved = resolver.resolve(pod, serviceAccount, warnings);
    if (resolved.isEmpty() || copy.getSpec() == null) {
      return new MutationResult(copy, warnings, resolved, Optional.empty());
    }
    WorkloadIdentity identity = resolved.get();
    // Read before any change, so a malformed opt-in denies the pod whatever else is wrong with it.
    MetadataModeOptions metadataOptions = identity.mode() == InjectionMode.METADATA
        ? MetadataModeOptions.fromAnnotations(pod, serviceAccount, settings.annotationPrefix(),
            identity.projectId().orElse(null))
        : null;
    Optional<InjectionReceipt> previous = previousReceipt(copy, warnings);
    previous.ifPresentOrElse(receipt -> receipt.removeFrom(copy, false), () -> legacy.removeFrom(copy, identity));
    // After our own removal: with both webhooks installed, the Go one may have run on top of a previous pass of ours.
    goWebhook.removeFrom(copy.getSpec(), identity).ifPresent(warnings::add);
    List<Container> containers = injectedContainers(copy, identity);
    if (containers.isEmpty()) {
      // Nothing to inject any more (every container skipped): the pod keeps nothing of a previous pass.
      previous.ifPresent(receipt -> receipt.removeFrom(copy, true));
      if (copy.getMetadata() != null && copy.getMetadata().getAnnotations() != null) {
        copy.getMetadata().getAnnotations().remove(names.injection());
      }
      return new MutationResult(copy, warnings, resolved, Optional.empty());
    }
    if (copy.getMetadata() == null) {
      copy.setMetadata(new ObjectMeta());
    }
    warnAboutCredentialsTheUserSet(containers, warnings);
    InjectionReceipt.Builder additions = new InjectionReceipt.Builder();
    if (metadataOptions != null) {
      metadataMode.render(copy, containers, identity, metadataOptions, additions);
    } else {
      fileMode.render(copy, containers, identity, additions);
    }
    InjectionReceipt receipt = additions.build(identity);
    copy.getMetadata().getAnnotations().put(names.injection(), receipt.render());
    return new MutationResult(copy, warnings, resolved, Optional.of(receipt));
  }

  /** The receipt of the previous pass; one that cannot be read is treated as none, with a warning. */
  private Optional<InjectionReceipt> previousReceipt(Pod pod, List<String> warnings) {
    Optional<String> value = InjectionReceipt.annotationOf(pod, names);
    if (value.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(InjectionReceipt.parse(value.get()));
    } catch (IllegalArgumentException unreadable) {
      warnings.add(names.injection() + ": not a receipt this webhook can read (" + unreadable.getMessage()
          + "); replaced, and only what the webhook recognizes as its own was removed before injecting anew");
      return Optional.empty();
    }
  }

  /**
   * Checks a ServiceAccount's annotations the way a pod running as it reads them, for the offline command: a bad
   * annotation there is reported against the ServiceAccount's own file, and also when no pod of the input uses it.
   *
   * @throws InvalidAnnotationException naming the annotation, as every pod of that ServiceAccount would be denied
   */
  public void validate(ServiceAccount serviceAccount) throws InvalidAnnotationException {
    mutateWithWarnings(PROBE_POD, serviceAccount);
  }

  /**
   * The Go webhook replaces a GOOGLE_APPLICATION_CREDENTIALS the container sets; this one keeps the user's choice (a
   * key file, say, on purpose), and says so, since client libraries in that container then do not use the injection.
   */
  private static void warnAboutCredentialsTheUserSet(List<Container> containers, List<String> warnings) {
    String ours = Names.CREDENTIALS_PATH;
    for (Container container : containers) {
      if (container.getEnv() == null) {
        continue;
      }
      container.getEnv().stream()
          .filter(e -> e != null && "GOOGLE_APPLICATION_CREDENTIALS".equals(e.getName()) && !ours.equals(e.getValue()))
          .findFirst()
          .ifPresent(e -> warnings.add("container \"" + container.getName() + "\" sets GOOGLE_APPLICATION_CREDENTIALS"
              + (e.getValue() != null ? "=\"" + e.getValue() + "\"" : " from valueFrom") + ": kept, so client libraries"
              + " in it use that, not the injected credentials; remove the variable to use them"));
    }
  }

  /**
   * Whether {@code pod}, which has no receipt, carries what a version before receipts injected (our volume or
   * sidecar): such a pod has credentials, but nothing says from which identity, so an audit cannot check it.
   */
  public boolean hasPreReceiptInjection(Pod pod) {
    return InjectionReceipt.annotationOf(pod, names).isEmpty() && legacy.isPresentIn(pod.getSpec());
  }

  /** A pod the kubelet created for a static pod: the API server forbids it a token projection, so it is never ours. */
  public static boolean isMirrorPod(Pod pod) {
    return pod.getMetadata() != null && pod.getMetadata().getAnnotations() != null
        && pod.getMetadata().getAnnotations().containsKey(Names.MIRROR_POD_ANNOTATION);
  }

  private static List<Container> injectedContainers(Pod pod, WorkloadIdentity identity) {
    List<Container> containers = new ArrayList<>();
    if (pod.getSpec().getInitContainers() != null) {
      containers.addAll(pod.getSpec().getInitContainers());
    }
    if (pod.getSpec().getContainers() != null) {
      containers.addAll(pod.getSpec().getContainers());
    }
    // A nameless container is invalid and the API server will reject the pod, but its validation runs after mutating
    // admission: leave such a container alone rather than fail on it.
    containers.removeIf(container -> container.getName() == null
        || identity.skipContainers().contains(container.getName()));
    return containers;
  }

  public WebhookSettings settings() {
    return settings;
  }
}
