package dev.gcpwif.webhook.serviceaccount;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ServiceAccounts of every namespace from a shared informer, with a direct GET when the cache misses: a pod is often
 * created right after its ServiceAccount (one {@code kubectl apply}), before the watch event arrives.
 *
 * <p>No negative cache: the ServiceAccount admission plugin already rejects pods whose account does not exist, so a
 * miss is almost always informer lag, and remembering "absent" would turn that lag into an uninjected pod.
 *
 * <p>The cache keeps only names and annotations ({@link ReducedStateItemStore}): a large cluster has tens of thousands
 * of ServiceAccounts and the mutation reads nothing else.
 */
public final class InformerServiceAccounts implements ServiceAccountLookup, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InformerServiceAccounts.class);

  private final KubernetesClient client;
  private final SharedIndexInformer<ServiceAccount> informer;
  private final AtomicLong directReads = new AtomicLong();

  public InformerServiceAccounts(KubernetesClient client, Duration resync) {
    this.client = client;
    this.informer = client.serviceAccounts().inAnyNamespace().runnableInformer(resync.toMillis());
    informer.itemStore(new ReducedStateItemStore<>(ReducedStateItemStore.NAME_KEY_STATE, ServiceAccount.class,
        client.getKubernetesSerialization() != null ? client.getKubernetesSerialization() : new KubernetesSerialization(),
        "metadata.annotations"));
    informer.exceptionHandler((started, t) -> {
      // Keep retrying: readiness stays false until the first list succeeds, and lookups fall back to direct reads.
      LOG.warn("ServiceAccount informer: {} (retrying)", t.toString());
      return true;
    });
  }

  /** Starts listing and watching in the background; {@link #hasSynced()} turns true after the first full list. */
  public void start() {
    informer.start().whenComplete((ignored, error) -> {
      if (error == null) {
        LOG.info("ServiceAccount informer synced");
      } else {
        LOG.warn("ServiceAccount informer did not start: {}", error.toString());
      }
    });
  }

  public boolean hasSynced() {
    return informer.hasSynced();
  }

  /** How many lookups missed the cache and went to the API server. */
  public long directReads() {
    return directReads.get();
  }

  @Override
  public Optional<ServiceAccount> find(String namespace, String name) throws ServiceAccountLookupException {
    ServiceAccount cached = informer.getStore().getByKey(namespace + "/" + name);
    if (cached != null) {
      return Optional.of(cached);
    }
    directReads.incrementAndGet();
    try {
      return Optional.ofNullable(client.serviceAccounts().inNamespace(namespace).withName(name).get());
    } catch (KubernetesClientException e) {
      throw new ServiceAccountLookupException(
          "cannot read ServiceAccount " + namespace + "/" + name + " (HTTP " + e.getCode() + ")", e);
    }
  }

  @Override
  public void close() {
    informer.stop();
  }
}
