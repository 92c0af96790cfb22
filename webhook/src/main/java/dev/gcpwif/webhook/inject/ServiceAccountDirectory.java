package dev.gcpwif.webhook.inject;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The ServiceAccounts known to the command, by namespace and name (namespace {@code default} when unset). */
final class ServiceAccountDirectory {
  private final Map<String, ServiceAccount> byKey = new HashMap<>();

  void add(ServiceAccount serviceAccount, String where) throws ManifestException {
    if (serviceAccount.getMetadata() == null || serviceAccount.getMetadata().getName() == null) {
      throw new ManifestException(where + ": ServiceAccount without metadata.name");
    }
    byKey.put(key(namespaceOf(serviceAccount.getMetadata().getNamespace()), serviceAccount.getMetadata().getName()),
        serviceAccount);
  }

  Optional<ServiceAccount> find(String namespace, String name) {
    return Optional.ofNullable(byKey.get(key(namespace, name)));
  }

  static String namespaceOf(String namespace) {
    return namespace == null || namespace.isEmpty() ? "default" : namespace;
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }
}
