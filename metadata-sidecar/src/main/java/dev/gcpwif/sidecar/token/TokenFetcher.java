package dev.gcpwif.sidecar.token;

/** Obtains a fresh token for a key (a scope set or an audience) from Google; called off the request threads. */
@FunctionalInterface
public interface TokenFetcher<K> {
  CachedToken fetch(K key) throws Exception;
}
