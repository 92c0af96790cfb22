package dev.gcpwif.sidecar.upstream;

import com.google.auth.http.HttpTransportFactory;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.ExternalAccountCredentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.gson.JsonObject;
import dev.gcpwif.sidecar.config.ConfigException;
import dev.gcpwif.sidecar.config.CredentialConfig;
import dev.gcpwif.sidecar.token.CachedToken;
import dev.gcpwif.sidecar.token.TokenFetcher;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Access tokens through google-auth's external account credentials: STS exchange of the projected token, then
 * generateAccessToken for the configured service account (or the federated token itself without impersonation).
 */
public final class GoogleAccessTokens implements TokenFetcher<List<String>> {
  private static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);

  private final ExternalAccountCredentials credentials;
  private final SubjectTokenFile subjectToken;
  private final Clock clock;

  private GoogleAccessTokens(ExternalAccountCredentials credentials, SubjectTokenFile subjectToken, Clock clock) {
    this.credentials = credentials;
    this.subjectToken = subjectToken;
    this.clock = clock;
  }

  /**
   * @param tokenLifetimeSeconds overrides the configuration's impersonated token lifetime when not null
   */
  public static GoogleAccessTokens create(CredentialConfig config, Integer tokenLifetimeSeconds,
      HttpTransportFactory transport, Clock clock) throws ConfigException {
    JsonObject json = config.json();
    if (tokenLifetimeSeconds != null && config.serviceAccountEmail().isPresent()) {
      JsonObject options = json.has("service_account_impersonation") && json.get("service_account_impersonation").isJsonObject()
          ? json.getAsJsonObject("service_account_impersonation") : new JsonObject();
      options.addProperty("token_lifetime_seconds", tokenLifetimeSeconds);
      json.add("service_account_impersonation", options);
    }
    return new GoogleAccessTokens(credentialsFrom(json, config, transport), new SubjectTokenFile(config), clock);
  }

  static ExternalAccountCredentials credentialsFrom(JsonObject json, CredentialConfig config,
      HttpTransportFactory transport) throws ConfigException {
    try {
      return ExternalAccountCredentials.fromStream(
          new ByteArrayInputStream(json.toString().getBytes(StandardCharsets.UTF_8)), transport);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("credential configuration " + config.path() + " is not usable by google-auth: "
          + FailureDescription.of(e));
    }
  }

  @Override
  public CachedToken fetch(List<String> scopes) throws IOException {
    subjectToken.requireToken();
    GoogleCredentials scoped = credentials.createScoped(scopes);
    AccessToken token = scoped.refreshAccessToken();
    return new CachedToken(token.getTokenValue(), token.getExpirationTime() == null
        ? clock.instant().plus(DEFAULT_LIFETIME)
        : token.getExpirationTime().toInstant());
  }
}
