package dev.gcpwif.webhook.inject;

import dev.gcpwif.webhook.admission.PodShapeValidator;
import dev.gcpwif.webhook.mutation.MutationResult;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.InvalidAnnotationException;
import dev.gcpwif.webhook.mutation.core.PodServiceAccount;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The offline injection: the same {@link PodMutator} as the admission webhook, applied to the pods and pod
 * templates of YAML manifests, and of the items of a {@code kind: List} (what {@code kubectl get -o yaml} prints).
 * Documents come out in input order; kinds without a pod pass through.
 */
public final class ManifestInjector {
  /** A named piece of input: a file name (or {@code -} for stdin) and its text. */
  public record Source(String name, String yaml) {}

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private final PodMutator mutator;

  public ManifestInjector(PodMutator mutator) {
    this.mutator = mutator;
  }

  /**
   * @param manifests the documents to print, mutated where they hold a pod
   * @param serviceAccountSources extra ServiceAccounts to resolve pods against; not printed
   */
  public String inject(List<Source> manifests, List<Source> serviceAccountSources) throws ManifestException {
    return inject(manifests, serviceAccountSources, warning -> {});
  }

  /**
   * @param warnings receives each admission warning the webhook would give, prefixed with where the pod is
   */
  public String inject(List<Source> manifests, List<Source> serviceAccountSources, Consumer<String> warnings)
      throws ManifestException {
    ServiceAccountDirectory serviceAccounts = new ServiceAccountDirectory();
    for (Source source : serviceAccountSources) {
      for (ManifestDocument document : ManifestReader.read(source.name(), source.yaml())) {
        if (!isServiceAccount(document)) {
          throw new ManifestException(document.where() + ": expected a ServiceAccount, found "
              + describe(document));
        }
        addServiceAccount(serviceAccounts, document);
      }
    }
    List<ManifestDocument> documents = new ArrayList<>();
    for (Source source : manifests) {
      documents.addAll(ManifestReader.read(source.name(), source.yaml()));
    }
    for (ManifestDocument document : documents) {
      if (isServiceAccount(document)) {
        addServiceAccount(serviceAccounts, document);
      } else if (document.isList()) {
        for (ManifestDocument item : document.items()) {
          if (isServiceAccount(item)) {
            addServiceAccount(serviceAccounts, item);
          }
        }
      }
    }
    StringBuilder out = new StringBuilder();
    for (ManifestDocument document : documents) {
      out.append(SERIALIZATION.asYaml(injected(document, serviceAccounts, warnings)));
    }
    return out.toString();
  }

  /**
   * Validated here, not when a pod uses it: the error then names the ServiceAccount's file and document, and a
   * ServiceAccount that no pod of the input uses is checked too (it would deny every pod created later).
   */
  private void addServiceAccount(ServiceAccountDirectory serviceAccounts, ManifestDocument document)
      throws ManifestException {
    ServiceAccount serviceAccount = SERIALIZATION.convertValue(document.content(), ServiceAccount.class);
    serviceAccounts.add(serviceAccount, document.where());
    try {
      mutator.validate(serviceAccount);
    } catch (InvalidAnnotationException e) {
      throw new ManifestException(document.where() + ": ServiceAccount " + namespace(serviceAccount.getMetadata())
          + "/" + serviceAccount.getMetadata().getName() + ": " + e.getMessage()
          + " (every pod that runs as it would be denied)");
    }
  }

  private Object injected(ManifestDocument document, ServiceAccountDirectory serviceAccounts,
      Consumer<String> warnings) throws ManifestException {
    String apiVersion = document.apiVersion();
    String kind = document.kind();
    if (document.isList()) {
      // Printed as the List it came as, so that the output of `kubectl get -o yaml | inject` applies as it was.
      List<Object> items = new ArrayList<>();
      for (ManifestDocument item : document.items()) {
        items.add(injected(item, serviceAccounts, warnings));
      }
      Map<String, Object> list = new LinkedHashMap<>(document.content());
      list.put("items", items);
      return list;
    }
    if (apiVersion.equals("v1") && kind.equals("Pod")) {
      Pod pod = SERIALIZATION.convertValue(document.content(), Pod.class);
      return mutate(pod, namespace(pod.getMetadata()), document, serviceAccounts, warnings);
    }
    if (apiVersion.equals("apps/v1")) {
      switch (kind) {
        case "Deployment":
          return withTemplate(document, Deployment.class, d -> d.getSpec().getTemplate(), serviceAccounts, warnings);
        case "StatefulSet":
          return withTemplate(document, StatefulSet.class, s -> s.getSpec().getTemplate(), serviceAccounts, warnings);
        case "DaemonSet":
          return withTemplate(document, DaemonSet.class, d -> d.getSpec().getTemplate(), serviceAccounts, warnings);
        case "ReplicaSet":
          return withTemplate(document, ReplicaSet.class, r -> r.getSpec().getTemplate(), serviceAccounts, warnings);
        default:
          return document.content();
      }
    }
    if (apiVersion.equals("batch/v1") && kind.equals("Job")) {
      return withTemplate(document, Job.class, j -> j.getSpec().getTemplate(), serviceAccounts, warnings);
    }
    if (apiVersion.equals("batch/v1") && kind.equals("CronJob")) {
      return withTemplate(document, CronJob.class,
          c -> c.getSpec().getJobTemplate().getSpec().getTemplate(), serviceAccounts, warnings);
    }
    return document.content();
  }

  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> T withTemplate(ManifestDocument document,
      Class<T> type, Function<T, PodTemplateSpec> template, ServiceAccountDirectory serviceAccounts,
      Consumer<String> warnings) throws ManifestException {
    T workload = SERIALIZATION.convertValue(document.content(), type);
    PodTemplateSpec podTemplate;
    try {
      podTemplate = template.apply(workload);
    } catch (NullPointerException e) {
      podTemplate = null;
    }
    if (podTemplate == null || podTemplate.getSpec() == null) {
      throw new ManifestException(document.where() + ": " + describe(document) + " has no pod template spec");
    }
    Pod pod = new Pod("v1", "Pod", podTemplate.getMetadata(), podTemplate.getSpec(), null);
    Pod mutated = mutate(pod, namespace(workload.getMetadata()), document, serviceAccounts, warnings);
    podTemplate.setMetadata(mutated.getMetadata());
    podTemplate.setSpec(mutated.getSpec());
    return workload;
  }

  private Pod mutate(Pod pod, String namespace, ManifestDocument document, ServiceAccountDirectory serviceAccounts,
      Consumer<String> warnings) throws ManifestException {
    PodSpec spec = pod.getSpec();
    if (spec == null) {
      throw new ManifestException(document.where() + ": " + describe(document) + " has no spec");
    }
    String problem = PodShapeValidator.problem(pod);
    if (problem != null) {
      throw new ManifestException(document.where() + ": " + describe(document) + ": " + problem);
    }
    String name = PodServiceAccount.nameOf(spec);
    ServiceAccount serviceAccount = serviceAccounts.find(namespace, name).orElseThrow(() -> new ManifestException(
        document.where() + ": " + describe(document) + " runs as ServiceAccount " + namespace + "/" + name
            + ", which is not in the input; add it, or pass it with --service-account FILE"));
    try {
      MutationResult result = mutator.mutateWithWarnings(pod, serviceAccount);
      result.warnings().forEach(w -> warnings.accept(document.where() + ": " + describe(document) + ": " + w));
      return result.pod();
    } catch (InvalidAnnotationException e) {
      throw new ManifestException(document.where() + ": " + describe(document) + ": " + e.getMessage());
    }
  }


  private static String namespace(ObjectMeta metadata) {
    return ServiceAccountDirectory.namespaceOf(metadata == null ? null : metadata.getNamespace());
  }

  private static boolean isServiceAccount(ManifestDocument document) {
    return document.apiVersion().equals("v1") && document.kind().equals("ServiceAccount");
  }

  private static String describe(ManifestDocument document) {
    Object metadata = document.content().get("metadata");
    Object name = metadata instanceof java.util.Map<?, ?> map ? map.get("name") : null;
    String kind = document.kind().isEmpty() ? "an object without kind" : document.kind();
    return name == null ? kind : kind + " " + name;
  }
}
