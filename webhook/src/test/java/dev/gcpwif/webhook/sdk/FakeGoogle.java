package dev.gcpwif.webhook.sdk;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * Google's STS, IAM Credentials and Cloud Storage JSON API, faked on 127.0.0.1 over TLS (google-auth refuses a
 * token_url that is not https), with a CA the SDK is told to trust. Records every request.
 */
final class FakeGoogle implements AutoCloseable {
  static final String STS_TOKEN = "sts-federated-token-0123456789";
  static final String IAM_TOKEN = "ya29.iam-impersonated-token-abcdef";

  private final MockWebServer server = new MockWebServer();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final Path caFile;

  FakeGoogle(Path dir) throws IOException {
    HeldCertificate ca = new HeldCertificate.Builder().commonName("fake-google-ca").certificateAuthority(0)
        .rsa2048().build();
    HeldCertificate leaf = new HeldCertificate.Builder().commonName("127.0.0.1")
        .addSubjectAlternativeName("127.0.0.1").addSubjectAlternativeName("localhost")
        .rsa2048().signedBy(ca).build();
    HandshakeCertificates serverCerts = new HandshakeCertificates.Builder()
        .heldCertificate(leaf, ca.certificate()).build();
    server.useHttps(serverCerts.sslSocketFactory());
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        requests.add(request);
        return respond(request);
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    caFile = dir.resolve("fake-google-ca.pem");
    Files.writeString(caFile, ca.certificatePem());
  }

  String baseUrl() {
    return "https://127.0.0.1:" + server.getPort();
  }

  int port() {
    return server.getPort();
  }

  Path caFile() {
    return caFile;
  }

  List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  List<RecordedRequest> requestsTo(String pathPrefix) {
    return requests.stream().filter(r -> r.getUrl().encodedPath().startsWith(pathPrefix)).toList();
  }

  static String body(RecordedRequest request) {
    return request.getBody() == null ? "" : request.getBody().string(StandardCharsets.UTF_8);
  }

  private static MockResponse respond(RecordedRequest request) {
    String path = request.getUrl().encodedPath();
    if ("POST".equals(request.getMethod()) && path.equals("/v1/token")) {
      return json("{\"access_token\":\"" + STS_TOKEN + "\",\"issued_token_type\":"
          + "\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
    }
    if ("POST".equals(request.getMethod()) && path.equals("/v1/introspect")) {
      long now = Instant.now().getEpochSecond();
      return json("{\"active\":true,\"client_id\":\"fake\",\"iat\":" + now + ",\"exp\":" + (now + 3600)
          + ",\"username\":\"principal://iam.googleapis.com/projects/123456789012/locations/global/"
          + "workloadIdentityPools/on-prem/subject/system:serviceaccount:team-a:app\"}");
    }
    if ("POST".equals(request.getMethod()) && path.startsWith("/v1/projects/-/serviceAccounts/")
        && path.endsWith(":generateAccessToken")) {
      String expiry = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString();
      return json("{\"accessToken\":\"" + IAM_TOKEN + "\",\"expireTime\":\"" + expiry + "\"}");
    }
    if ("GET".equals(request.getMethod()) && path.matches("/storage/v1/b/[^/]+/o")) {
      String bucket = path.split("/")[4];
      return json("{\"kind\":\"storage#objects\",\"items\":[{\"kind\":\"storage#object\",\"name\":\"hello.txt\","
          + "\"bucket\":\"" + bucket + "\",\"size\":\"5\",\"generation\":\"1\",\"metageneration\":\"1\","
          + "\"updated\":\"2026-01-01T00:00:00.000Z\",\"timeCreated\":\"2026-01-01T00:00:00.000Z\"}]}");
    }
    return new MockResponse.Builder().code(404).body("{\"error\":{\"code\":404,\"message\":\"no fake for "
        + request.getMethod() + " " + path + "\"}}").addHeader("Content-Type", "application/json").build();
  }

  private static MockResponse json(String body) {
    return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json").body(body).build();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
