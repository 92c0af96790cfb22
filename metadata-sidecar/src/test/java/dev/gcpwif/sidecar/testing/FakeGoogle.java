package dev.gcpwif.sidecar.testing;

import com.google.auth.http.HttpTransportFactory;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gcpwif.sidecar.upstream.UrlConnectionTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * Google STS and IAM Credentials faked by two MockWebServers over TLS. The sidecar keeps the real Google URLs in its
 * configuration; the transport from {@link #transport(Duration)} routes those hosts here and trusts the fake CA.
 */
public final class FakeGoogle implements AutoCloseable {
  public static final String SERVICE_ACCOUNT = "app-sa@my-project-42.iam.gserviceaccount.com";
  public static final String PROVIDER_AUDIENCE =
      "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/kube/providers/cluster-a";
  public static final String STS_HOST = "sts.googleapis.com";
  public static final String IAM_HOST = "iamcredentials.googleapis.com";

  public final MockWebServer sts = new MockWebServer();
  public final MockWebServer iam = new MockWebServer();
  public final MutableClock clock = new MutableClock();
  public final List<RecordedRequest> stsRequests = new CopyOnWriteArrayList<>();
  public final List<RecordedRequest> iamRequests = new CopyOnWriteArrayList<>();
  /** Tokens this fake issued, in order. */
  public final List<String> issuedFederatedTokens = new CopyOnWriteArrayList<>();
  public final List<String> issuedAccessTokens = new CopyOnWriteArrayList<>();
  public final List<String> issuedIdTokens = new CopyOnWriteArrayList<>();
  private final AtomicInteger issued = new AtomicInteger();
  private final HeldCertificate ca;
  private final HandshakeCertificates clientTrust;
  private volatile Function<RecordedRequest, MockResponse> stsOverride;
  private volatile Duration stsDelay = Duration.ZERO;
  private volatile Function<RecordedRequest, MockResponse> iamOverride;

  public FakeGoogle() throws IOException {
    ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("fake google ca").duration(1, TimeUnit.DAYS).build();
    HeldCertificate leaf = new HeldCertificate.Builder()
        .addSubjectAlternativeName("127.0.0.1").addSubjectAlternativeName("localhost")
        .signedBy(ca).duration(1, TimeUnit.DAYS).build();
    HandshakeCertificates serverCerts = new HandshakeCertificates.Builder().heldCertificate(leaf, ca.certificate()).build();
    clientTrust = new HandshakeCertificates.Builder().addTrustedCertificate(ca.certificate()).build();
    for (MockWebServer server : List.of(sts, iam)) {
      server.useHttps(serverCerts.sslSocketFactory());
    }
    sts.setDispatcher(dispatcher(stsRequests, request -> stsOverride, this::stsAnswer));
    iam.setDispatcher(dispatcher(iamRequests, request -> iamOverride, this::iamAnswer));
    sts.start(InetAddress.getLoopbackAddress(), 0);
    iam.start(InetAddress.getLoopbackAddress(), 0);
  }

  /** Replaces STS's answers (null: back to normal); the request is still recorded. */
  public void stsAnswers(Function<RecordedRequest, MockResponse> answer) {
    stsOverride = answer;
  }

  /** Delays every normal STS answer, to make concurrent clients overlap one exchange. */
  public void stsDelay(Duration delay) {
    stsDelay = delay;
  }

  public void iamAnswers(Function<RecordedRequest, MockResponse> answer) {
    iamOverride = answer;
  }

  public List<RecordedRequest> iamRequests(String method) {
    return iamRequests.stream().filter(r -> r.getTarget().endsWith(":" + method)).toList();
  }

  /** Routes Google's real host names to the fakes: for configurations written by {@link #writeConfig(Path, Path, boolean)}. */
  public HttpTransportFactory transport(Duration timeout) {
    return transport(timeout, this::route);
  }

  /**
   * The production transport (no rerouting) trusting the fake CA: for configurations that name the fakes' own
   * addresses, {@link #writeLocalConfig}.
   */
  public HttpTransportFactory unroutedTransport(Duration timeout) {
    return transport(timeout, uri -> uri);
  }

  private HttpTransportFactory transport(Duration timeout, java.util.function.UnaryOperator<URI> route) {
    SSLContext tls;
    try {
      tls = SSLContext.getInstance("TLS");
      tls.init(null, new TrustManager[] {clientTrust.trustManager()}, null);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    UrlConnectionTransport transport = new UrlConnectionTransport(timeout, tls.getSocketFactory(), route);
    return () -> transport;
  }

  private URI route(URI uri) {
    int port = switch (uri.getHost()) {
      case STS_HOST -> sts.getPort();
      case IAM_HOST -> iam.getPort();
      default -> throw new IllegalArgumentException("unexpected upstream host " + uri.getHost());
    };
    try {
      return new URI("https", null, "127.0.0.1", port, uri.getRawPath(), uri.getRawQuery(), null);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The CA as a PKCS12 trust store, for a sidecar running as its own JVM. */
  public Path writeTrustStore(Path file, char[] password) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("fake-google", ca.certificate());
    try (var out = Files.newOutputStream(file)) {
      store.store(out, password);
    }
    return file;
  }

  /** An external_account configuration as create-cred-config writes it, with Google's real endpoint URLs. */
  public Path writeConfig(Path file, Path tokenFile, boolean impersonate) throws IOException {
    return writeConfig(file, tokenFile, impersonate ? "https://" + IAM_HOST + "/v1/projects/-/serviceAccounts/"
        + SERVICE_ACCOUNT + ":generateAccessToken" : null, "https://" + STS_HOST + "/v1/token");
  }

  /**
   * A configuration naming the fakes by address (as a private-endpoint or other-universe configuration names its own
   * hosts), impersonating {@link #SERVICE_ACCOUNT}; {@code universeDomain} is written when not null.
   */
  public Path writeLocalConfig(Path file, Path tokenFile, String universeDomain) throws IOException {
    writeConfig(file, tokenFile, "https://127.0.0.1:" + iam.getPort() + "/v1/projects/-/serviceAccounts/" + SERVICE_ACCOUNT
        + ":generateAccessToken", "https://127.0.0.1:" + sts.getPort() + "/v1/token");
    if (universeDomain != null) {
      JsonObject json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
      json.addProperty("universe_domain", universeDomain);
      Files.writeString(file, json.toString());
    }
    return file;
  }

  public Path writeConfig(Path file, Path tokenFile, String impersonationUrl, String tokenUrl) throws IOException {
    JsonObject json = new JsonObject();
    json.addProperty("type", "external_account");
    json.addProperty("audience", PROVIDER_AUDIENCE);
    json.addProperty("subject_token_type", "urn:ietf:params:oauth:token-type:jwt");
    json.addProperty("token_url", tokenUrl);
    JsonObject source = new JsonObject();
    source.addProperty("file", tokenFile.toString());
    JsonObject format = new JsonObject();
    format.addProperty("type", "text");
    source.add("format", format);
    json.add("credential_source", source);
    if (impersonationUrl != null) {
      json.addProperty("service_account_impersonation_url", impersonationUrl);
    }
    Files.writeString(file, json.toString());
    return file;
  }


  private MockResponse stsAnswer(RecordedRequest request) {
    int n = issued.incrementAndGet();
    JsonObject body = new JsonObject();
    issuedFederatedTokens.add("fed-" + n);
    body.addProperty("access_token", "fed-" + n);
    body.addProperty("issued_token_type", "urn:ietf:params:oauth:token-type:access_token");
    body.addProperty("token_type", "Bearer");
    body.addProperty("expires_in", 3600);
    return new MockResponse.Builder(json(200, body.toString())).headersDelay(stsDelay.toMillis(), TimeUnit.MILLISECONDS).build();
  }

  private MockResponse iamAnswer(RecordedRequest request) {
    String target = request.getTarget();
    JsonObject requestBody = JsonParser.parseString(request.getBody().utf8()).getAsJsonObject();
    int n = issued.incrementAndGet();
    if (target.endsWith(":generateAccessToken")) {
      long lifetime = Long.parseLong(requestBody.get("lifetime").getAsString().replace("s", ""));
      JsonObject body = new JsonObject();
      issuedAccessTokens.add("ya29.sa-" + n);
      body.addProperty("accessToken", "ya29.sa-" + n);
      body.addProperty("expireTime", clock.instant().plusSeconds(lifetime).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
      return json(200, body.toString());
    }
    if (target.endsWith(":generateIdToken")) {
      JsonObject body = new JsonObject();
      String token = idToken(requestBody.get("audience").getAsString(), clock.instant().plusSeconds(3600), n);
      issuedIdTokens.add(token);
      body.addProperty("token", token);
      return json(200, body.toString());
    }
    return json(404, "{\"error\":{\"code\":404,\"message\":\"not found\",\"status\":\"NOT_FOUND\"}}");
  }

  /** A well-formed (unsigned for real) JWT: google-auth reads exp without verifying. */
  public static String idToken(String audience, Instant expiry, int serial) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"fake\"}".getBytes(StandardCharsets.UTF_8));
    String payload = b64.encodeToString(("{\"aud\":\"" + audience + "\",\"azp\":\"1234\",\"email\":\"" + SERVICE_ACCOUNT
        + "\",\"email_verified\":true,\"exp\":" + expiry.getEpochSecond() + ",\"iat\":" + (expiry.getEpochSecond() - 3600)
        + ",\"iss\":\"https://accounts.google.com\",\"sub\":\"1000" + serial + "\"}").getBytes(StandardCharsets.UTF_8));
    return header + "." + payload + "." + b64.encodeToString(("signature-" + serial).getBytes(StandardCharsets.UTF_8));
  }

  public static MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json; charset=utf-8").body(body).build();
  }

  private static Dispatcher dispatcher(List<RecordedRequest> log, Function<RecordedRequest, Function<RecordedRequest, MockResponse>> override,
      Function<RecordedRequest, MockResponse> normal) {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        log.add(request);
        Function<RecordedRequest, MockResponse> answer = override.apply(request);
        return answer != null ? answer.apply(request) : normal.apply(request);
      }
    };
  }

  @Override
  public void close() {
    sts.close();
    iam.close();
  }
}
