package dev.gcpwif.sidecar.testing;

import static org.awaitility.Awaitility.await;

import dev.gcpwif.sidecar.Sidecar;
import dev.gcpwif.sidecar.config.ListenAddress;
import dev.gcpwif.sidecar.config.SidecarSettings;
import dev.gcpwif.sidecar.token.RefreshPolicy;
import dev.gcpwif.testsupport.FakeGoogle;
import dev.gcpwif.testsupport.SidecarProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** An in-process sidecar on an ephemeral loopback port, wired to {@link FakeGoogle}. */
public final class SidecarFixture implements AutoCloseable {
  public static final String SUBJECT_TOKEN = SidecarProcess.PROJECTED_TOKEN;

  public final FakeGoogle google;
  public final Path dir;
  public final Path tokenFile;
  public final Path configFile;
  public final Sidecar sidecar;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private SidecarFixture(FakeGoogle google, Path dir, Path tokenFile, Path configFile, Sidecar sidecar) {
    this.google = google;
    this.dir = dir;
    this.tokenFile = tokenFile;
    this.configFile = configFile;
    this.sidecar = sidecar;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + sidecar.port();
  }

  public String hostPort() {
    return "127.0.0.1:" + sidecar.port();
  }

  /** Waits until the first token exchange succeeded, so that a test starts from a warm cache. */
  public SidecarFixture awaitReady() {
    await().atMost(Duration.ofSeconds(10)).until(() -> get("/readyz").statusCode() == 200);
    return this;
  }

  /** GET with the Metadata-Flavor header, as every real client sends it. */
  public HttpResponse<String> metadata(String path) throws IOException, InterruptedException {
    return get(path, "Metadata-Flavor", "Google");
  }

  public HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(20));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    sidecar.close();
    google.close();
  }

  public static final class Builder {
    private boolean impersonate = true;
    private boolean writeToken = true;
    private String tokenContent = SUBJECT_TOKEN;
    private Optional<Integer> lifetime = Optional.empty();
    private Optional<String> projectId = Optional.empty();
    private Duration upstreamTimeout = Duration.ofSeconds(5);
    private OptionalInt healthPort = OptionalInt.empty();
    private boolean localEndpoints;
    private String universeDomain;
    private RefreshPolicy policy = RefreshPolicy.defaults();

    public Builder directFederation() {
      impersonate = false;
      return this;
    }

    public Builder withoutTokenFile() {
      writeToken = false;
      return this;
    }

    /** The projected token file holds this text at start (empty: the kubelet created it but wrote nothing yet). */
    public Builder tokenFileContent(String content) {
      tokenContent = content;
      return this;
    }

    public Builder tokenLifetime(int seconds) {
      lifetime = Optional.of(seconds);
      return this;
    }

    public Builder projectId(String id) {
      projectId = Optional.of(id);
      return this;
    }

    public Builder upstreamTimeout(Duration timeout) {
      upstreamTimeout = timeout;
      return this;
    }

    /** Also serve the probes on all interfaces at this port (0: an ephemeral one). */
    public Builder healthPort(int port) {
      healthPort = OptionalInt.of(port);
      return this;
    }

    /**
     * The configuration names the fakes by address (https://127.0.0.1:PORT), with {@code universeDomain} when not
     * null, and the sidecar uses the production transport, which sends each request where the URL says.
     */
    public Builder localEndpoints(String universe) {
      localEndpoints = true;
      universeDomain = universe;
      return this;
    }

    public Builder policy(RefreshPolicy refreshPolicy) {
      policy = refreshPolicy;
      return this;
    }

    public SidecarFixture start() throws Exception {
      FakeGoogle google = new FakeGoogle();
      Path dir = Files.createTempDirectory("sidecar-test");
      Path tokenFile = dir.resolve("token");
      if (writeToken) {
        Files.writeString(tokenFile, tokenContent);
      }
      Path config = localEndpoints
          ? google.writeLocalConfig(dir.resolve("credential-configuration.json"), tokenFile, universeDomain)
          : google.writeConfig(dir.resolve("credential-configuration.json"), tokenFile, impersonate);
      SidecarSettings settings = new SidecarSettings(config, List.of(ListenAddress.parse("127.0.0.1:0")), healthPort, projectId,
          Optional.empty(), List.of("https://www.googleapis.com/auth/cloud-platform"), lifetime, upstreamTimeout,
          "test-pod");
      Sidecar sidecar = Sidecar.start(settings,
          localEndpoints ? FakeGoogleTransport.unrouted(google, upstreamTimeout) : FakeGoogleTransport.routed(google, upstreamTimeout), google.clock, policy);
      return new SidecarFixture(google, dir, tokenFile, config, sidecar);
    }
  }
}
