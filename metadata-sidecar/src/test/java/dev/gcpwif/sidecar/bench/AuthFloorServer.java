package dev.gcpwif.sidecar.bench;

import dev.gcpwif.sidecar.config.CredentialConfig;
import dev.gcpwif.sidecar.token.CachedToken;
import dev.gcpwif.sidecar.upstream.GoogleAccessTokens;
import dev.gcpwif.sidecar.upstream.UrlConnectionTransport;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The second baseline: the floor google-auth-library sets. Issue 14 keeps google-auth as the implementation of the
 * external_account exchange, so whatever one exchange leaves resident (its classes, Guava, google-http-client,
 * OpenCensus, Gson, the TLS stack, their static state) is memory the sidecar cannot shed. This JVM performs one real
 * STS exchange and impersonation through the sidecar's own {@link GoogleAccessTokens} and
 * {@link UrlConnectionTransport} (the same classes load, the same JVM trust store is used), then serves
 * {@link StaticServer}'s fixed answer: the sidecar's RSS over this one is what the sidecar itself holds.
 * Arguments: port, credential configuration.
 */
public final class AuthFloorServer {
  public static void main(String[] args) throws Exception {
    CredentialConfig config = CredentialConfig.load(Path.of(args[1]));
    // As Sidecar.start builds them: the sidecar's default timeout, the JVM's TLS defaults, no rerouting.
    UrlConnectionTransport transport = new UrlConnectionTransport(Duration.ofSeconds(10), null, uri -> uri);
    CachedToken token = GoogleAccessTokens.create(config, null, () -> transport, Clock.systemUTC())
        .fetch(List.of("https://www.googleapis.com/auth/cloud-platform"));
    if (token.expiresAt().isBefore(Clock.systemUTC().instant())) {
      throw new IllegalStateException("the exchange returned an expired token");
    }
    StaticServer.serve(Integer.parseInt(args[0])); // only once the exchange is done: the port opening says so
  }
}
