package dev.gcpwif.sidecar.upstream;

import com.google.auth.http.HttpTransportFactory;
import com.google.auth.oauth2.ExternalAccountCredentials;
import com.google.auth.oauth2.IdToken;
import com.google.auth.oauth2.IdTokenCredentials;
import com.google.auth.oauth2.IdTokenProvider;
import com.google.auth.oauth2.ImpersonatedCredentials;
import com.google.gson.JsonObject;
import dev.gcpwif.sidecar.config.ConfigException;
import dev.gcpwif.sidecar.config.CredentialConfig;
import dev.gcpwif.sidecar.token.CachedToken;
import dev.gcpwif.sidecar.token.TokenFetcher;
import java.io.IOException;
import java.util.List;

/**
 * ID tokens per audience: IAM Credentials generateIdToken for the impersonated service account, authorised by the
 * federated token (external account credentials do not mint ID tokens themselves).
 */
public final class GoogleIdTokens implements TokenFetcher<String> {
  private static final String CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";

  private final ImpersonatedCredentials impersonated;

  private GoogleIdTokens(ImpersonatedCredentials impersonated) {
    this.impersonated = impersonated;
  }

  /** Only possible with a service account to impersonate; callers answer 404 otherwise. */
  public static GoogleIdTokens create(CredentialConfig config, String serviceAccountEmail, HttpTransportFactory transport)
      throws ConfigException {
    JsonObject federatedOnly = config.json();
    federatedOnly.remove("service_account_impersonation_url");
    federatedOnly.remove("service_account_impersonation");
    ExternalAccountCredentials source = GoogleAccessTokens.credentialsFrom(federatedOnly, config, transport);
    ImpersonatedCredentials impersonated = ImpersonatedCredentials.newBuilder()
        .setSourceCredentials(source.createScoped(List.of(CLOUD_PLATFORM)))
        .setTargetPrincipal(serviceAccountEmail)
        .setScopes(List.of(CLOUD_PLATFORM))
        .setHttpTransportFactory(transport)
        .build();
    return new GoogleIdTokens(impersonated);
  }

  @Override
  public CachedToken fetch(String audience) throws IOException {
    IdTokenCredentials credentials = IdTokenCredentials.newBuilder()
        .setIdTokenProvider(impersonated)
        .setTargetAudience(audience)
        .setOptions(List.of(IdTokenProvider.Option.INCLUDE_EMAIL))
        .build();
    credentials.refresh();
    IdToken token = credentials.getIdToken();
    return new CachedToken(token.getTokenValue(), token.getExpirationTime().toInstant());
  }
}
