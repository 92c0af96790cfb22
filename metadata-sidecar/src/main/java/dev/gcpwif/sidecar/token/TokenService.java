package dev.gcpwif.sidecar.token;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The tokens the endpoints hand out: access tokens per scope set, ID tokens per audience when an account can mint them. */
public final class TokenService {
  private final TokenCache<List<String>> accessTokens;
  private final Optional<TokenCache<String>> idTokens;
  private final List<String> defaultScopes;
  private final Duration maxWait;

  public TokenService(TokenCache<List<String>> accessTokens, Optional<TokenCache<String>> idTokens,
      List<String> defaultScopes, Duration maxWait) {
    this.accessTokens = accessTokens;
    this.idTokens = idTokens;
    this.defaultScopes = List.copyOf(defaultScopes);
    this.maxWait = maxWait;
  }

  /** Completes with the token, or with a {@link TokenUnavailableException} saying why there is none. */
  public CompletableFuture<CachedToken> accessToken(List<String> scopes) {
    return accessTokens.request(scopes.isEmpty() ? defaultScopes : scopes, maxWait);
  }

  public boolean canMintIdTokens() {
    return idTokens.isPresent();
  }

  /** Completes with the token, or with a {@link TokenUnavailableException} saying why there is none. */
  public CompletableFuture<CachedToken> idToken(String audience) {
    return idTokens.orElseThrow().request(audience, maxWait);
  }

  /** Ready once a token for the default scopes is held: then every first client request is answered from the cache. */
  public boolean ready() {
    return accessTokens.hasUsable(defaultScopes);
  }

  public String notReadyReason() {
    return accessTokens.lastFailure(defaultScopes).orElse("no access token obtained yet");
  }

  public void warmUp() {
    accessTokens.keepFresh(defaultScopes);
  }

  public void refreshDue() {
    accessTokens.refreshDue();
    idTokens.ifPresent(TokenCache::refreshDue);
  }
}
