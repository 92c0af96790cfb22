package dev.gcpwif.webhook.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * Google STS and IAM Credentials over TLS on 127.0.0.1: they issue recognizable tokens and record every request.
 * google-auth refuses a non-https token_url, so TLS is not optional here.
 */
final class FakeGoogle implements AutoCloseable {
  static final String STS_TOKEN_PREFIX = "fake-sts-token-";
  static final String IAM_TOKEN_PREFIX = "fake-iam-token-";
  private static final Pattern IAM_PATH =
      Pattern.compile("/v1/projects/-/serviceAccounts/([^/:]+):(generateAccessToken|generateIdToken)");

  private final MockWebServer server = new MockWebServer();
  private final List<RecordedCall> calls = new CopyOnWriteArrayList<>();
  private final List<String> issuedStsTokens = new CopyOnWriteArrayList<>();
  private final List<String> issuedIamTokens = new CopyOnWriteArrayList<>();
  private final AtomicInteger counter = new AtomicInteger();

  FakeGoogle(TestCa ca) throws IOException {
    server.useHttps(ca.serverSocketFactory());
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return answer(request);
      }
    });
    server.start(InetAddress.getLoopbackAddress(), 0);
  }

  /** {@code https://127.0.0.1:PORT}, no trailing slash. */
  String baseUrl() {
    return "https://127.0.0.1:" + server.getPort();
  }

  /** The credential configuration with Google's STS and IAM hosts replaced by this fake (the test's copy only). */
  String pointConfigAtFake(String externalAccountJson) {
    return externalAccountJson
        .replace("https://sts.googleapis.com", baseUrl())
        .replace("https://iamcredentials.googleapis.com", baseUrl());
  }

  List<RecordedCall> calls() {
    return List.copyOf(calls);
  }

  List<RecordedCall> stsCalls() {
    return calls.stream().filter(c -> c.path().equals("/v1/token")).toList();
  }

  List<RecordedCall> iamAccessTokenCalls() {
    return calls.stream().filter(c -> c.path().endsWith(":generateAccessToken")).toList();
  }

  List<String> issuedStsTokens() {
    return List.copyOf(issuedStsTokens);
  }

  List<String> issuedIamTokens() {
    return List.copyOf(issuedIamTokens);
  }

  private MockResponse answer(RecordedRequest request) {
    String body = request.getBody() == null ? "" : request.getBody().utf8();
    String path = request.getUrl().encodedPath();
    Map<String, String> form = "POST".equals(request.getMethod()) && path.equals("/v1/token") ? parseForm(body) : Map.of();
    calls.add(new RecordedCall(request.getMethod(), URLDecoder.decode(path, StandardCharsets.UTF_8),
        request.getUrl().query(), request.getHeaders().get("Authorization"), form, body));
    if (path.equals("/v1/token") && "POST".equals(request.getMethod())) {
      String token = STS_TOKEN_PREFIX + counter.incrementAndGet();
      issuedStsTokens.add(token);
      return json(200, "{\"access_token\":\"" + token + "\",\"issued_token_type\":"
          + "\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
    }
    Matcher iam = IAM_PATH.matcher(URLDecoder.decode(path, StandardCharsets.UTF_8));
    if (iam.matches() && "POST".equals(request.getMethod())) {
      String authorization = request.getHeaders().get("Authorization");
      if (authorization == null || issuedStsTokens.stream().noneMatch(t -> authorization.equals("Bearer " + t))) {
        return json(401, "{\"error\":{\"code\":401,\"message\":\"Request had invalid authentication credentials.\","
            + "\"status\":\"UNAUTHENTICATED\"}}");
      }
      if (iam.group(2).equals("generateAccessToken")) {
        String token = IAM_TOKEN_PREFIX + counter.incrementAndGet();
        issuedIamTokens.add(token);
        String expiry = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString();
        return json(200, "{\"accessToken\":\"" + token + "\",\"expireTime\":\"" + expiry + "\"}");
      }
      return json(200, "{\"token\":\"" + idToken(iam.group(1)) + "\"}");
    }
    return json(404, "{\"error\":{\"code\":404,\"message\":\"fake Google: no route for " + path + "\"}}");
  }

  private static String idToken(String email) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    long now = Instant.now().getEpochSecond();
    String header = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String payload = b64.encodeToString(("{\"iss\":\"https://accounts.google.com\",\"email\":\"" + email
        + "\",\"iat\":" + now + ",\"exp\":" + (now + 3600) + "}").getBytes(StandardCharsets.UTF_8));
    return header + "." + payload + "." + b64.encodeToString("fake-signature".getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, String> parseForm(String body) {
    Map<String, String> form = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  static MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json; charset=UTF-8")
        .body(body).build();
  }

  @Override
  public void close() {
    server.close();
  }
}
