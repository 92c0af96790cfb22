package dev.gcpwif.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * Google STS and IAM Credentials faked by two MockWebServers on 127.0.0.1 over TLS (google-auth refuses a token_url
 * that is not https), each recording every request. STS answers the token exchange and introspection; IAM issues
 * access and ID tokens for the account in its path. Two servers, so that a test can take STS down alone.
 *
 * <p>Clients reach the fakes either by a configuration naming their addresses ({@link #writeLocalConfig},
 * {@link #pointAtFake}), or through a transport that sends Google's real host names here ({@link #route}).
 */
public final class FakeGoogle implements AutoCloseable {
  public static final String SERVICE_ACCOUNT = "app-sa@my-project-42.iam.gserviceaccount.com";
  public static final String PROVIDER_AUDIENCE =
      "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/kube/providers/cluster-a";
  public static final String STS_HOST = "sts.googleapis.com";
  public static final String IAM_HOST = "iamcredentials.googleapis.com";
  private static final Pattern IAM_PATH =
      Pattern.compile("/v1/projects/-/serviceAccounts/([^/:]+):(generateAccessToken|generateIdToken)");
  private static final Pattern LIFETIME = Pattern.compile("\"lifetime\"\\s*:\\s*\"(\\d+)s\"");
  private static final Pattern AUDIENCE = Pattern.compile("\"audience\"\\s*:\\s*\"([^\"]*)\"");

  public final MockWebServer sts = new MockWebServer();
  public final MockWebServer iam = new MockWebServer();
  /** IAM's expiry times are read from this clock, so that a test can age the tokens it was given. */
  public final MutableClock clock = new MutableClock();
  public final List<RecordedRequest> stsRequests = new CopyOnWriteArrayList<>();
  public final List<RecordedRequest> iamRequests = new CopyOnWriteArrayList<>();
  /** Tokens this fake issued, in order. */
  public final List<String> issuedFederatedTokens = new CopyOnWriteArrayList<>();
  public final List<String> issuedAccessTokens = new CopyOnWriteArrayList<>();
  public final List<String> issuedIdTokens = new CopyOnWriteArrayList<>();
  private final AtomicInteger issued = new AtomicInteger();
  private final TestCa ca;
  private final IntFunction<String> federatedToken;
  private final IntFunction<String> accessToken;
  private final boolean iamChecksCaller;
  private volatile Function<RecordedRequest, MockResponse> stsOverride;
  private volatile Duration stsDelay = Duration.ZERO;
  private volatile Function<RecordedRequest, MockResponse> iamOverride;

  /** With its own CA, tokens {@code fed-N} and {@code ya29.sa-N}, and an IAM that takes any caller. */
  public FakeGoogle() throws IOException {
    this(builder());
  }

  private FakeGoogle(Builder options) throws IOException {
    ca = options.ca != null ? options.ca : new TestCa();
    federatedToken = options.federatedToken;
    accessToken = options.accessToken;
    iamChecksCaller = options.iamChecksCaller;
    for (MockWebServer server : List.of(sts, iam)) {
      server.useHttps(ca.serverSocketFactory());
    }
    sts.setDispatcher(dispatcher(stsRequests, () -> stsOverride, this::stsAnswer));
    iam.setDispatcher(dispatcher(iamRequests, () -> iamOverride, this::iamAnswer));
    sts.start(InetAddress.getLoopbackAddress(), 0);
    iam.start(InetAddress.getLoopbackAddress(), 0);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** What differs between the callers: whose CA, what the tokens look like, how strict IAM is. */
  public static final class Builder {
    private TestCa ca;
    private IntFunction<String> federatedToken = n -> "fed-" + n;
    private IntFunction<String> accessToken = n -> "ya29.sa-" + n;
    private boolean iamChecksCaller;

    private Builder() {}

    /** Serve with this CA's certificate (shared with other fakes the same clients talk to). */
    public Builder ca(TestCa testCa) {
      ca = testCa;
      return this;
    }

    /** The federated (STS) and access (IAM) token issued as the Nth token of this fake. */
    public Builder tokens(IntFunction<String> federated, IntFunction<String> access) {
      federatedToken = federated;
      accessToken = access;
      return this;
    }

    /** IAM answers 401, as Google does, unless the caller's bearer token is one STS issued here. */
    public Builder iamChecksCaller() {
      iamChecksCaller = true;
      return this;
    }

    public FakeGoogle start() throws IOException {
      return new FakeGoogle(this);
    }
  }

  public TestCa ca() {
    return ca;
  }

  /** {@code https://127.0.0.1:PORT} of STS, no trailing slash. */
  public String stsUrl() {
    return "https://127.0.0.1:" + sts.getPort();
  }

  /** {@code https://127.0.0.1:PORT} of IAM Credentials, no trailing slash. */
  public String iamUrl() {
    return "https://127.0.0.1:" + iam.getPort();
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

  /** Requests to STS, then to IAM, whose path starts so. */
  public List<RecordedRequest> requestsTo(String pathPrefix) {
    List<RecordedRequest> all = new ArrayList<>(stsRequests);
    all.addAll(iamRequests);
    return all.stream().filter(r -> r.getUrl().encodedPath().startsWith(pathPrefix)).toList();
  }

  public List<RecordedCall> stsCalls() {
    return stsRequests.stream().filter(r -> r.getUrl().encodedPath().equals("/v1/token")).map(RecordedCall::of)
        .toList();
  }

  public List<RecordedCall> iamAccessTokenCalls() {
    return iamRequests("generateAccessToken").stream().map(RecordedCall::of).toList();
  }

  /** Where a transport that keeps Google's URLs in its configuration sends a request to STS or IAM. */
  public URI route(URI uri) {
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

  /** A credential configuration with Google's STS and IAM hosts replaced by the fakes' addresses. */
  public String pointAtFake(String externalAccountJson) {
    return externalAccountJson.replace("https://" + STS_HOST, stsUrl()).replace("https://" + IAM_HOST, iamUrl());
  }

  /** An external_account configuration as create-cred-config writes it, with Google's real endpoint URLs. */
  public Path writeConfig(Path file, Path tokenFile, boolean impersonate) throws IOException {
    return writeConfig(file, tokenFile, impersonate ? "https://" + IAM_HOST + "/v1/projects/-/serviceAccounts/"
        + SERVICE_ACCOUNT + ":generateAccessToken" : null, "https://" + STS_HOST + "/v1/token", null);
  }

  /**
   * A configuration naming the fakes by address (as a private-endpoint or other-universe configuration names its own
   * hosts), impersonating {@link #SERVICE_ACCOUNT}; {@code universeDomain} is written when not null.
   */
  public Path writeLocalConfig(Path file, Path tokenFile, String universeDomain) throws IOException {
    return writeConfig(file, tokenFile, iamUrl() + "/v1/projects/-/serviceAccounts/" + SERVICE_ACCOUNT
        + ":generateAccessToken", stsUrl() + "/v1/token", universeDomain);
  }

  private static Path writeConfig(Path file, Path tokenFile, String impersonationUrl, String tokenUrl,
      String universeDomain) throws IOException {
    StringBuilder json = new StringBuilder("{\"type\":\"external_account\",\"audience\":\"" + PROVIDER_AUDIENCE
        + "\",\"subject_token_type\":\"urn:ietf:params:oauth:token-type:jwt\",\"token_url\":\"" + tokenUrl
        + "\",\"credential_source\":{\"file\":\"" + jsonEscaped(tokenFile.toString())
        + "\",\"format\":{\"type\":\"text\"}}");
    if (impersonationUrl != null) {
      json.append(",\"service_account_impersonation_url\":\"").append(impersonationUrl).append('"');
    }
    if (universeDomain != null) {
      json.append(",\"universe_domain\":\"").append(jsonEscaped(universeDomain)).append('"');
    }
    return Files.writeString(file, json.append('}').toString());
  }

  private static String jsonEscaped(String text) {
    return text.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private MockResponse stsAnswer(RecordedRequest request) {
    String path = request.getUrl().encodedPath();
    if ("POST".equals(request.getMethod()) && path.equals("/v1/token")) {
      String token = federatedToken.apply(issued.incrementAndGet());
      issuedFederatedTokens.add(token);
      MockResponse answer = json(200, "{\"access_token\":\"" + token + "\",\"issued_token_type\":"
          + "\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
      return new MockResponse.Builder(answer).headersDelay(stsDelay.toMillis(), TimeUnit.MILLISECONDS).build();
    }
    if ("POST".equals(request.getMethod()) && path.equals("/v1/introspect")) {
      // gcloud asks what a federated token is for before it uses it without impersonation.
      long now = clock.instant().getEpochSecond();
      return json(200, "{\"active\":true,\"client_id\":\"fake\",\"iat\":" + now + ",\"exp\":" + (now + 3600)
          + ",\"username\":\"principal://iam.googleapis.com/projects/123456789012/locations/global/"
          + "workloadIdentityPools/on-prem/subject/system:serviceaccount:team-a:app\"}");
    }
    return notFound(request);
  }

  private MockResponse iamAnswer(RecordedRequest request) {
    Matcher target = IAM_PATH.matcher(URLDecoder.decode(request.getUrl().encodedPath(), StandardCharsets.UTF_8));
    if (!"POST".equals(request.getMethod()) || !target.matches()) {
      return notFound(request);
    }
    String authorization = request.getHeaders().get("Authorization");
    if (iamChecksCaller && (authorization == null
        || issuedFederatedTokens.stream().noneMatch(t -> authorization.equals("Bearer " + t)))) {
      return json(401, "{\"error\":{\"code\":401,\"message\":\"Request had invalid authentication credentials.\","
          + "\"status\":\"UNAUTHENTICATED\"}}");
    }
    String body = request.getBody() == null ? "" : request.getBody().utf8();
    int n = issued.incrementAndGet();
    if (target.group(2).equals("generateAccessToken")) {
      Matcher lifetime = LIFETIME.matcher(body);
      long seconds = lifetime.find() ? Long.parseLong(lifetime.group(1)) : 3600;
      String token = accessToken.apply(n);
      issuedAccessTokens.add(token);
      return json(200, "{\"accessToken\":\"" + token + "\",\"expireTime\":\""
          + clock.instant().plusSeconds(seconds).truncatedTo(ChronoUnit.SECONDS) + "\"}");
    }
    Matcher audience = AUDIENCE.matcher(body);
    String token = idToken(audience.find() ? audience.group(1) : "", target.group(1),
        clock.instant().plusSeconds(3600), n);
    issuedIdTokens.add(token);
    return json(200, "{\"token\":\"" + token + "\"}");
  }

  /** A well-formed (not really signed) JWT for {@link #SERVICE_ACCOUNT}: google-auth reads exp without verifying. */
  public static String idToken(String audience, Instant expiry, int serial) {
    return idToken(audience, SERVICE_ACCOUNT, expiry, serial);
  }

  private static String idToken(String audience, String email, Instant expiry, int serial) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"fake\"}".getBytes(StandardCharsets.UTF_8));
    String payload = b64.encodeToString(("{\"aud\":\"" + audience + "\",\"azp\":\"1234\",\"email\":\"" + email
        + "\",\"email_verified\":true,\"exp\":" + expiry.getEpochSecond() + ",\"iat\":" + (expiry.getEpochSecond() - 3600)
        + ",\"iss\":\"https://accounts.google.com\",\"sub\":\"1000" + serial + "\"}").getBytes(StandardCharsets.UTF_8));
    return header + "." + payload + "." + b64.encodeToString(("signature-" + serial).getBytes(StandardCharsets.UTF_8));
  }

  public static MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json; charset=utf-8").body(body).build();
  }

  private static MockResponse notFound(RecordedRequest request) {
    return json(404, "{\"error\":{\"code\":404,\"message\":\"fake Google: no route for " + request.getMethod() + " "
        + request.getUrl().encodedPath() + "\",\"status\":\"NOT_FOUND\"}}");
  }

  private static Dispatcher dispatcher(List<RecordedRequest> log,
      java.util.function.Supplier<Function<RecordedRequest, MockResponse>> override,
      Function<RecordedRequest, MockResponse> normal) {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        log.add(request);
        Function<RecordedRequest, MockResponse> answer = override.get();
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
