package dev.gcpwif.sidecar;

import dev.gcpwif.sidecar.config.ConfigException;
import dev.gcpwif.sidecar.config.ListenAddress;
import dev.gcpwif.sidecar.config.SidecarSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * {@code --train}: one pass over the code a pod's clients exercise, so that a JVM started with
 * {@code -XX:ArchiveClassesAtExit} writes those classes into an application CDS archive (the image build does this).
 * It needs no network: the built-in configuration names STS and IAM on a loopback port where nothing listens, so the
 * token is answered 503. Every answer is checked; an unexpected one fails the run (and with it the image build).
 */
final class TrainingRun {
  private static final String ACCOUNT = "training@training-project.iam.gserviceaccount.com";
  private static final String V1 = "/computeMetadata/v1";
  private static final String DEFAULT_ACCOUNT = V1 + "/instance/service-accounts/default";

  private record Expectation(String method, String path, boolean flavor, int status) {}

  private static final List<Expectation> REQUESTS = List.of(
      new Expectation("GET", "/healthz", false, 200),
      new Expectation("GET", "/readyz", false, 503),
      new Expectation("GET", "/", false, 200),
      new Expectation("GET", V1, true, 301),
      new Expectation("GET", V1 + "/?recursive=true", true, 200),
      new Expectation("GET", V1 + "/project/project-id", true, 200),
      new Expectation("GET", V1 + "/project/numeric-project-id?alt=json", true, 200),
      new Expectation("GET", V1 + "/instance/service-accounts/", true, 200),
      new Expectation("GET", DEFAULT_ACCOUNT + "/?recursive=true", true, 200),
      new Expectation("GET", DEFAULT_ACCOUNT + "/email", true, 200),
      new Expectation("GET", DEFAULT_ACCOUNT + "/scopes", true, 200),
      new Expectation("GET", DEFAULT_ACCOUNT + "/token", true, 503),
      new Expectation("GET", DEFAULT_ACCOUNT + "/token?scopes=https://www.googleapis.com/auth/userinfo.email", true, 503),
      new Expectation("GET", DEFAULT_ACCOUNT + "/identity?audience=https://training.example&format=full", true, 404),
      new Expectation("GET", V1 + "/universe/universe-domain", true, 200),
      new Expectation("GET", DEFAULT_ACCOUNT + "/token", false, 403),
      new Expectation("HEAD", V1 + "/instance/hostname", true, 200),
      new Expectation("POST", DEFAULT_ACCOUNT + "/token", true, 405),
      new Expectation("GET", V1 + "/no-such-path", true, 404));

  private TrainingRun() {}

  /** @return the exit status: 0 when every request was answered as expected */
  static int run() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("metadata-sidecar-training");
    try {
      Sidecar sidecar;
      try {
        sidecar = Sidecar.start(settings(dir, unusedLoopbackPort()));
      } catch (ConfigException e) {
        System.err.println("metadata-sidecar --train: " + e.getMessage());
        return 1;
      }
      List<String> unexpected = new ArrayList<>();
      try (sidecar) {
        for (Expectation expected : REQUESTS) {
          int status = status(sidecar.port(), expected.method(), expected.path(), expected.flavor());
          if (status != expected.status()) {
            unexpected.add(expected.method() + " " + expected.path() + " -> " + status + ", expected " + expected.status());
          }
        }
        if (sidecar.healthPort().isPresent()) {
          int status = status(sidecar.healthPort().getAsInt(), "GET", "/healthz", false);
          if (status != 200) {
            unexpected.add("GET /healthz on the probe port -> " + status + ", expected 200");
          }
        }
      }
      if (!unexpected.isEmpty()) {
        System.err.println("metadata-sidecar --train: unexpected answers: " + String.join("; ", unexpected));
        return 1;
      }
      System.out.println("metadata-sidecar --train: " + (REQUESTS.size() + 1) + " requests answered as expected");
      return 0;
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  /** The same JDK HTTP stack as the sidecar's calls to Google (UrlConnectionTransport), so its classes are archived. */
  private static int status(int port, String method, String path, boolean flavor) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
    connection.setConnectTimeout(5_000);
    connection.setReadTimeout(20_000);
    connection.setInstanceFollowRedirects(false);
    connection.setRequestMethod(method);
    if (flavor) {
      connection.setRequestProperty("Metadata-Flavor", "Google");
    }
    try {
      int status = connection.getResponseCode();
      try (java.io.InputStream body = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
        if (body != null) {
          body.readAllBytes();
        }
      }
      return status;
    } finally {
      connection.disconnect();
    }
  }

  private static SidecarSettings settings(Path dir, int upstreamPort) throws IOException, ConfigException {
    Path token = Files.writeString(dir.resolve("token"), "training.subject.token");
    String upstream = "https://127.0.0.1:" + upstreamPort;
    Path config = Files.writeString(dir.resolve("credential-configuration.json"), "{\"type\":\"external_account\","
        + "\"audience\":\"//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/training/"
        + "providers/training\",\"subject_token_type\":\"urn:ietf:params:oauth:token-type:jwt\","
        + "\"token_url\":\"" + upstream + "/v1/token\",\"service_account_impersonation_url\":\"" + upstream
        + "/v1/projects/-/serviceAccounts/" + ACCOUNT + ":generateAccessToken\","
        + "\"credential_source\":{\"file\":\"" + token + "\"}}");
    return new SidecarSettings(config, List.of(ListenAddress.parse("127.0.0.1:0")), OptionalInt.of(0), Optional.empty(),
        Optional.empty(), List.of("https://www.googleapis.com/auth/cloud-platform"), Optional.empty(),
        Duration.ofSeconds(2), "training");
  }

  /** A loopback port nobody listens on: connections to it are refused at once. */
  private static int unusedLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
