package dev.gcpwif.webhook.serviceaccount;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.util.Optional;

/** Finds the ServiceAccount a pod runs as. */
@FunctionalInterface
public interface ServiceAccountLookup {
  /**
   * @return the ServiceAccount, or empty when it does not exist
   * @throws ServiceAccountLookupException when the answer is unknown (API server unreachable, forbidden)
   */
  Optional<ServiceAccount> find(String namespace, String name) throws ServiceAccountLookupException;
}
