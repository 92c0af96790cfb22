package dev.gcpwif.webhook.certs;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.Map;
import java.util.Optional;

/**
 * The one Secret shared by all replicas, written with optimistic concurrency: a create that loses the race gets 409
 * AlreadyExists, an update from a stale read gets 409 Conflict; either way the caller re-reads and decides again.
 */
final class TlsSecretStore {

  static final String TLS_SECRET_TYPE = "kubernetes.io/tls";

  private final KubernetesClient client;
  private final String namespace;
  private final String name;

  TlsSecretStore(KubernetesClient client, String namespace, String name) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
  }

  String describe() {
    return "Secret " + namespace + "/" + name;
  }

  Optional<Secret> read() {
    try {
      return Optional.ofNullable(resource().get());
    } catch (KubernetesClientException e) {
      throw ApiErrors.translate(e, "read " + describe(), "get", "", "secrets", name, namespace);
    }
  }

  /** @return false when another replica created it first */
  boolean create(Map<String, String> data) {
    Secret secret = new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .addToLabels("app.kubernetes.io/name", "gcp-wif-webhook")
        .addToLabels("app.kubernetes.io/managed-by", "gcp-wif-webhook")
        .addToAnnotations("gcp-wif.dev/description",
            "CA and serving certificate of the webhook, managed by the webhook itself (--self-signed-certs)")
        .endMetadata()
        .withType(TLS_SECRET_TYPE)
        .withData(data)
        .build();
    try {
      client.secrets().inNamespace(namespace).resource(secret).create();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == ApiErrors.CONFLICT) {
        return false;
      }
      throw ApiErrors.translate(e, "create " + describe(), "create", "", "secrets", name, namespace);
    }
  }

  /**
   * Replaces the data of {@code current}, only if nobody changed it since it was read.
   *
   * @return false when it changed or vanished in between
   */
  boolean update(Secret current, Map<String, String> data) {
    Secret updated = new SecretBuilder(current).withData(data).withStringData(null).build();
    try {
      client.secrets().inNamespace(namespace).resource(updated).update();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == ApiErrors.CONFLICT || e.getCode() == ApiErrors.NOT_FOUND) {
        return false;
      }
      throw ApiErrors.translate(e, "update " + describe(), "update", "", "secrets", name, namespace);
    }
  }

  private Resource<Secret> resource() {
    return client.secrets().inNamespace(namespace).withName(name);
  }
}
