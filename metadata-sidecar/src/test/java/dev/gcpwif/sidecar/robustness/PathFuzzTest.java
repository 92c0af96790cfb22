package dev.gcpwif.sidecar.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.sidecar.testing.SidecarFixture;
import dev.gcpwif.testsupport.FakeGoogle;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Random paths, query strings, headers and methods against the in-process sidecar with a working fake Google.
 * Seeded and counted: {@code -Dfuzz.seed=N -Dfuzz.count=N}.
 */
class PathFuzzTest {
  private static final long SEED = Long.getLong("fuzz.seed", 20261129L);
  private static final int COUNT = Integer.getInteger("fuzz.count", 5_000);
  private static final String V1 = "/computeMetadata/v1";
  private static final String ACCOUNTS = V1 + "/instance/service-accounts/";
  /** The only places a token may appear: a token or identity leaf of an existing account. */
  private static final Pattern TOKEN_LEAF = Pattern.compile(
      "/computeMetadata/+v1/+instance/+service-accounts/+(default|" + Pattern.quote(FakeGoogle.SERVICE_ACCOUNT)
          + ")/+(token|identity)");
  private static final List<String> SEGMENTS = List.of("computeMetadata", "v1", "instance", "service-accounts",
      "default", FakeGoogle.SERVICE_ACCOUNT, "token", "identity", "email", "scopes", "aliases", "project",
      "project-id", "numeric-project-id", "attributes", "hostname", "universe", "universe-domain", "..", ".", "",
      "%2e%2e", "%2F", "%00", "%ZZ", "Token", "TOKEN", "computemetadata", "é", "%C3%A9", "\u4e2d", "%E2%80%A8",
      "a".repeat(3000), "token;x", "token%3Fa", "~", "*", "0");
  private static final List<String> QUERIES = List.of("", "?recursive=true", "?alt=json", "?alt=text",
      "?audience=https://example.com", "?audience=aud&format=full", "?scopes=a,b", "?wait_for_change=true",
      "?recursive=true&alt=json", "?%ZZ", "?=&&=", "?audience=", "?x=" + "y".repeat(5000), "?audience=%C3%A9");
  private static final List<String> METHODS = List.of("GET", "GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE",
      "OPTIONS", "PATCH");

  @Test
  void noPathQueryHeaderOrMethodGetsA5xxOrATokenOutsideItsLeafOrPastTheHeaderRules() throws Exception {
    Map<String, Integer> outcomes = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    Random random = new Random(SEED);
    System.out.println("PathFuzzTest seed=" + SEED + " count=" + COUNT);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try (SidecarFixture fixture = SidecarFixture.builder().start()) {
      fixture.awaitReady();
      for (int i = 0; i < COUNT && failures.size() < 20; i++) {
        String target = path(random) + QUERIES.get(random.nextInt(QUERIES.size()));
        boolean flavor = random.nextInt(4) != 0;
        boolean forwarded = random.nextInt(8) == 0;
        String method = METHODS.get(random.nextInt(METHODS.size()));
        URI uri;
        try {
          uri = URI.create(fixture.baseUrl() + target);
        } catch (IllegalArgumentException notAUri) {
          outcomes.merge("not-a-uri", 1, Integer::sum);
          continue;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20))
            .method(method, HttpRequest.BodyPublishers.noBody());
        boolean wrongCase = random.nextInt(20) == 0;
        if (flavor) {
          request.header("Metadata-Flavor", wrongCase ? "google" : "Google");
        }
        flavor = flavor && !wrongCase;
        if (forwarded) {
          request.header("X-Forwarded-For", "10.0.0." + random.nextInt(255));
        }
        HttpResponse<String> response;
        try {
          response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
          failures.add(method + " " + abbreviate(target) + ": no answer: " + e);
          continue;
        }
        outcomes.merge(String.valueOf(response.statusCode()), 1, Integer::sum);
        String problem = violation(fixture, response, uri, method, flavor, forwarded);
        if (problem != null) {
          failures.add(method + " " + abbreviate(target) + " flavor=" + flavor + " xff=" + forwarded + " -> "
              + response.statusCode() + ": " + problem + " body=" + abbreviate(response.body()));
        }
      }
      System.out.printf("PathFuzzTest outcomes: %s; tokens issued by the fake: %d access, %d id; failures=%d%n",
          outcomes, fixture.google.issuedAccessTokens.size(), fixture.google.issuedIdTokens.size(), failures.size());
      assertThat(failures).as("fuzz failures (seed " + SEED + ")").isEmpty();
      // The token leaves were really reached, or the "no token elsewhere" check was checked against nothing.
      assertThat(fixture.google.issuedAccessTokens).isNotEmpty();
      assertThat(fixture.google.issuedIdTokens).isNotEmpty();
      assertThat(outcomes.getOrDefault("200", 0)).isGreaterThan(COUNT / 20);
      assertThat(outcomes.getOrDefault("403", 0)).isGreaterThan(COUNT / 20);
    }
  }

  private static String violation(SidecarFixture fixture, HttpResponse<String> response, URI uri, String method,
      boolean flavorSent, boolean forwarded) {
    int status = response.statusCode();
    if (status >= 500) {
      return "5xx";
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (!response.headers().firstValue("Metadata-Flavor").equals(java.util.Optional.of("Google"))) {
      // The JDK's server parses a request target starting with "//" as an authority with an empty path and refuses
      // it itself, before any handler runs: the only answer without the header, and it carries nothing.
      boolean refusedBeforeAnyHandler = status == 404 && path.startsWith("//")
          && (method.equals("HEAD") ? response.body().isEmpty() : response.body().contains("No context found"));
      return refusedBeforeAnyHandler ? null : "no Metadata-Flavor: Google";
    }
    if (forwarded && status != 403) {
      return "X-Forwarded-For not refused";
    }
    path = uri.getPath() == null ? "" : uri.getPath();
    boolean underMetadata = path.equals("/computeMetadata") || path.startsWith("/computeMetadata/");
    if (underMetadata && !flavorSent && status != 403) {
      return "metadata path answered without the header";
    }
    boolean leaf = TOKEN_LEAF.matcher(path).matches() && flavorSent && !forwarded && method.equals("GET");
    String body = response.body();
    List<String> secrets = new ArrayList<>();
    secrets.addAll(fixture.google.issuedAccessTokens);
    secrets.addAll(fixture.google.issuedIdTokens);
    secrets.addAll(fixture.google.issuedFederatedTokens);
    secrets.add(SidecarFixture.SUBJECT_TOKEN);
    for (String secret : secrets) {
      if (body.contains(secret)) {
        if (!leaf || secret.equals(SidecarFixture.SUBJECT_TOKEN) || fixture.google.issuedFederatedTokens.contains(secret)) {
          return "token in the body of " + URLDecoder.decode(path, StandardCharsets.UTF_8);
        }
      }
    }
    return null;
  }

  private static String path(Random random) {
    int shape = random.nextInt(10);
    StringBuilder path = new StringBuilder();
    if (shape < 6) {
      // Mostly realistic: a prefix of the real tree, then random segments.
      String[] base = {V1, V1 + "/instance", ACCOUNTS + "default", ACCOUNTS + FakeGoogle.SERVICE_ACCOUNT,
          ACCOUNTS + "default/token", ACCOUNTS + "default/identity", V1 + "/project", "/computeMetadata", ""};
      path.append(base[random.nextInt(base.length)]);
    }
    for (int i = random.nextInt(shape < 6 ? 2 : 7); i > 0; i--) {
      path.append(random.nextInt(12) == 0 ? "//" : "/").append(SEGMENTS.get(random.nextInt(SEGMENTS.size())));
    }
    if (random.nextInt(6) == 0) {
      path.append('/');
    }
    return path.isEmpty() || path.charAt(0) != '/' ? "/" + path : path.toString();
  }

  private static String abbreviate(String text) {
    return text.length() > 300 ? text.substring(0, 300) + "...(" + text.length() + ")" : text;
  }
}
