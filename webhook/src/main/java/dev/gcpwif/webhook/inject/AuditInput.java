package dev.gcpwif.webhook.inject;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;

/**
 * The ServiceAccounts and Pods of the audit's input: documents and the items of {@code kind: List} (what
 * {@code kubectl get -o yaml} prints for several objects); other kinds are skipped, so {@code kubectl get all} output
 * works too.
 */
record AuditInput(List<ServiceAccount> serviceAccounts, List<Pod> pods) {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static AuditInput read(List<ManifestInjector.Source> sources) throws ManifestException {
    List<ServiceAccount> serviceAccounts = new ArrayList<>();
    List<Pod> pods = new ArrayList<>();
    for (ManifestInjector.Source source : sources) {
      for (ManifestDocument document : ManifestReader.read(source.name(), source.yaml())) {
        if (document.isList()) {
          for (ManifestDocument item : document.items()) {
            add(item, serviceAccounts, pods);
          }
        } else {
          add(document, serviceAccounts, pods);
        }
      }
    }
    if (serviceAccounts.isEmpty()) {
      // Without them every pod would look not opted in, and the audit would pass a cluster it never saw.
      throw new ManifestException("no ServiceAccounts in the input (" + pods.size() + " pods); the audit needs the"
          + " pods' ServiceAccounts too: kubectl get serviceaccounts,pods -A -o yaml");
    }
    return new AuditInput(serviceAccounts, pods);
  }

  private static void add(ManifestDocument document, List<ServiceAccount> serviceAccounts, List<Pod> pods)
      throws ManifestException {
    if (!document.apiVersion().equals("v1")) {
      return;
    }
    try {
      if (document.kind().equals("ServiceAccount")) {
        serviceAccounts.add(SERIALIZATION.convertValue(document.content(), ServiceAccount.class));
      } else if (document.kind().equals("Pod")) {
        pods.add(SERIALIZATION.convertValue(document.content(), Pod.class));
      }
    } catch (RuntimeException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst()
          .orElse("");
      throw new ManifestException(document.where() + ": not a valid " + document.kind() + ": " + reason);
    }
  }
}
