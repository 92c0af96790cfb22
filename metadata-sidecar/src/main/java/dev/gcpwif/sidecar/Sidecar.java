package dev.gcpwif.sidecar;

import static dev.gcpwif.cli.Throwables.rootMessage;

import dev.gcpwif.sidecar.concurrent.DaemonThreads;
import com.google.auth.http.HttpTransportFactory;
import dev.gcpwif.sidecar.config.ConfigException;
import dev.gcpwif.sidecar.config.CredentialConfig;
import dev.gcpwif.sidecar.config.SidecarSettings;
import dev.gcpwif.sidecar.metadata.Identity;
import dev.gcpwif.sidecar.metadata.MetadataTree;
import dev.gcpwif.sidecar.server.MetadataHandler;
import dev.gcpwif.sidecar.server.SidecarServer;
import dev.gcpwif.sidecar.token.RefreshPolicy;
import dev.gcpwif.sidecar.token.TokenCache;
import dev.gcpwif.sidecar.token.TokenService;
import dev.gcpwif.sidecar.upstream.FailureDescription;
import dev.gcpwif.sidecar.upstream.GoogleAccessTokens;
import dev.gcpwif.sidecar.upstream.GoogleIdTokens;
import dev.gcpwif.sidecar.upstream.UrlConnectionTransport;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The assembled sidecar: token caches fed by google-auth, the background refresher and the HTTP listeners. */
public final class Sidecar implements AutoCloseable {
  private static final int MAX_CACHED_KEYS = 64;

  private final SidecarServer server;
  private final ScheduledExecutorService refresher;
  private final ExecutorService fetchers;
  private final Identity identity;

  private Sidecar(SidecarServer server, ScheduledExecutorService refresher, ExecutorService fetchers, Identity identity) {
    this.server = server;
    this.refresher = refresher;
    this.fetchers = fetchers;
    this.identity = identity;
  }

  /** Production wiring: Google's real endpoints, bounded by the configured timeout. */
  public static Sidecar start(SidecarSettings settings) throws ConfigException {
    UrlConnectionTransport transport = new UrlConnectionTransport(settings.upstreamTimeout(), null, uri -> uri);
    return start(settings, () -> transport, Clock.systemUTC(), RefreshPolicy.defaults());
  }

  public static Sidecar start(SidecarSettings settings, HttpTransportFactory transport, Clock clock, RefreshPolicy policy)
      throws ConfigException {
    settings.validate();
    CredentialConfig config = CredentialConfig.load(settings.credentials());
    Identity identity = settings.identity(config);
    GoogleAccessTokens accessFetcher =
        GoogleAccessTokens.create(config, settings.tokenLifetimeSeconds().orElse(null), transport, clock);
    Optional<GoogleIdTokens> idFetcher = Optional.empty();
    if (config.serviceAccountEmail().isPresent()) {
      idFetcher = Optional.of(GoogleIdTokens.create(config, config.serviceAccountEmail().get(), transport));
    }

    ExecutorService fetchers = Executors.newCachedThreadPool(DaemonThreads.named("token-fetch"));
    TokenCache<List<String>> accessTokens = new TokenCache<>("access token", accessFetcher, FailureDescription::of,
        clock, fetchers, policy, MAX_CACHED_KEYS);
    Optional<TokenCache<String>> idTokens = idFetcher.map(fetcher -> new TokenCache<>("ID token", fetcher,
        FailureDescription::of, clock, fetchers, policy, MAX_CACHED_KEYS));
    TokenService tokens = new TokenService(accessTokens, idTokens, identity.defaultScopes(), settings.upstreamTimeout());

    SidecarServer server;
    try {
      server = SidecarServer.start(settings.listen(), settings.healthPort(), new MetadataHandler(MetadataTree.of(identity), tokens, clock), tokens);
    } catch (RuntimeException e) {
      fetchers.shutdownNow();
      String health = settings.healthPort().isPresent() ? " and health port " + settings.healthPort().getAsInt() : "";
      throw new ConfigException("cannot listen on " + settings.listen() + health + ": " + rootMessage(e));
    }
    tokens.warmUp();
    ScheduledExecutorService refresher =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("token-refresh"));
    refresher.scheduleWithFixedDelay(tokens::refreshDue, 1, 1, TimeUnit.SECONDS);
    return new Sidecar(server, refresher, fetchers, identity);
  }

  public int port() {
    return server.port();
  }

  public int[] ports() {
    return server.ports();
  }

  /** The probe-only port on all interfaces, when --health-port is set. */
  public java.util.OptionalInt healthPort() {
    return server.healthPort();
  }

  public Identity identity() {
    return identity;
  }

  @Override
  public void close() {
    refresher.shutdownNow();
    server.close();
    fetchers.shutdownNow();
  }
}
