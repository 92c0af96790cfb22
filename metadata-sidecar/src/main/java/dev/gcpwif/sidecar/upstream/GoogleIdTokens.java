package dev.gcpwif.sidecar.upstream;

import com.google.api.client.http.ByteArrayContent;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpResponse;
import com.google.auth.http.HttpCredentialsAdapter;
import com.google.auth.http.HttpTransportFactory;
import com.google.auth.oauth2.ExternalAccountCredentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.IdToken;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gcpwif.sidecar.config.ConfigException;
import dev.gcpwif.sidecar.config.CredentialConfig;
import dev.gcpwif.sidecar.token.CachedToken;
import dev.gcpwif.sidecar.token.TokenFetcher;
import java.io.IOException;
import java.net.URI;
import java.util.List;

/**
 * ID tokens per audience: IAM Credentials generateIdToken for the impersonated service account, authorised by the
 * federated token (external account credentials do not mint ID tokens themselves).
 *
 * <p>Called here rather than through google-auth's ImpersonatedCredentials, whose generateIdToken URL is fixed to
 * {@code iamcredentials.<universe>}: the request goes to the same scheme, host and port as the configuration's
 * service_account_impersonation_url, so private endpoints (PSC) and other universes work for ID tokens as they do
 * for access tokens.
 */
public final class GoogleIdTokens implements TokenFetcher<String> {
  private static final String CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";

  private final GoogleCredentials federated;
  private final SubjectTokenFile subjectToken;
  private final HttpTransportFactory transport;
  private final GenericUrl endpoint;

  private GoogleIdTokens(GoogleCredentials federated, SubjectTokenFile subjectToken, HttpTransportFactory transport,
      GenericUrl endpoint) {
    this.federated = federated;
    this.subjectToken = subjectToken;
    this.transport = transport;
    this.endpoint = endpoint;
  }

  /** Only possible with a service account to impersonate; callers answer 404 otherwise. */
  public static GoogleIdTokens create(CredentialConfig config, String serviceAccountEmail, HttpTransportFactory transport)
      throws ConfigException {
    JsonObject federatedOnly = config.json();
    federatedOnly.remove("service_account_impersonation_url");
    federatedOnly.remove("service_account_impersonation");
    ExternalAccountCredentials source = GoogleAccessTokens.credentialsFrom(federatedOnly, config, transport);
    URI impersonation = config.impersonationUrl().orElseThrow();
    GenericUrl endpoint = new GenericUrl(impersonation.getScheme() + "://" + impersonation.getRawAuthority()
        + "/v1/projects/-/serviceAccounts/" + serviceAccountEmail + ":generateIdToken");
    return new GoogleIdTokens(source.createScoped(List.of(CLOUD_PLATFORM)), new SubjectTokenFile(config), transport,
        endpoint);
  }

  @Override
  public CachedToken fetch(String audience) throws IOException {
    subjectToken.requireToken();
    JsonObject body = new JsonObject();
    body.addProperty("audience", audience);
    body.addProperty("includeEmail", true);
    HttpRequest request = transport.create()
        .createRequestFactory(new HttpCredentialsAdapter(federated))
        .buildPostRequest(endpoint, ByteArrayContent.fromString("application/json; charset=utf-8", body.toString()));
    HttpResponse response = request.execute(); // non-2xx: HttpResponseException, described by FailureDescription
    String text;
    try {
      text = response.parseAsString();
    } finally {
      response.disconnect();
    }
    JsonElement parsed = JsonParser.parseString(text);
    JsonElement token = parsed.isJsonObject() ? parsed.getAsJsonObject().get("token") : null;
    if (token == null || !token.isJsonPrimitive()) {
      throw new IOException(endpoint.getHost() + " generateIdToken answered without a token");
    }
    IdToken idToken = IdToken.create(token.getAsString());
    return new CachedToken(idToken.getTokenValue(), idToken.getExpirationTime().toInstant());
  }
}
