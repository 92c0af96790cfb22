package dev.gcpwif.sidecar.bench;

import dev.gcpwif.testsupport.FakeGoogle;
import dev.gcpwif.testsupport.SidecarProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * How many connections the real clients open to their metadata server at once: the sidecar jar behind a loopback
 * relay that counts connections, and the real gcloud, gsutil (with -m) and Python google-auth (a thread pool) run as
 * a pod's containers run them, each from an empty credential cache. Run by benchmarks/sidecar-clients.sh; this is
 * what the sidecar's connection cap is chosen from.
 */
public final class ClientConnections {
  static final Path SDK = Path.of("/usr/lib/google-cloud-sdk");
  private static final Path PYTHON = SDK.resolve("platform/bundledpythonunix/bin/python3");
  private static final int OBJECTS = 64;

  public static void main(String[] args) throws Exception {
    String capProperty = System.getProperty("bench.cap");
    List<String> jvm = new ArrayList<>(List.of("@jvm.options"));
    if (capProperty != null) {
      jvm.add("-Djdk.httpserver.maxConnections=" + capProperty);
    }
    Path dir = Files.createTempDirectory("sidecar-clients");
    try (FakeGoogle google = new FakeGoogle();
        SidecarProcess sidecar = SidecarProcess.start(google, Files.createDirectories(dir.resolve("sidecar")), jvm);
        Relay relay = new Relay(sidecar.port);
        MockWebServer storage = storage()) {
      sidecar.awaitOk("/readyz", Duration.ofSeconds(60));
      System.out.println("sidecar connection cap: " + (capProperty == null ? "default" : capProperty));
      String objects = IntStream.rangeClosed(1, OBJECTS).mapToObj(i -> "gs://bkt/o" + i).collect(Collectors.joining(" "));
      List<String[]> runs = List.of(
          new String[] {"gcloud auth print-access-token", SDK.resolve("bin/gcloud") + " auth print-access-token"},
          new String[] {"gsutil -m cp, " + OBJECTS + " objects, 2 processes x 5 threads (this machine's default)",
              PYTHON + " " + SDK.resolve("platform/gsutil/gsutil") + " -m -q cp " + objects + " DOWNLOADS"},
          new String[] {"gsutil -m cp, " + OBJECTS + " objects, 16 processes x 8 threads",
              PYTHON + " " + SDK.resolve("platform/gsutil/gsutil") + " -m -q -o GSUtil:parallel_process_count=16"
                  + " -o GSUtil:parallel_thread_count=8 cp " + objects + " DOWNLOADS"},
          new String[] {"gsutil cp with parallel composite uploads, 64 KiB file in 1 KiB components, 16 x 8",
              PYTHON + " " + SDK.resolve("platform/gsutil/gsutil") + " -q -o GSUtil:parallel_process_count=16"
                  + " -o GSUtil:parallel_thread_count=8 -o GSUtil:parallel_composite_upload_threshold=1K"
                  + " -o GSUtil:parallel_composite_upload_component_size=1K cp BIGFILE gs://bkt/big"},
          new String[] {"Python google-auth, 64 threads each refreshing its own credentials at once",
              PYTHON + " SCRIPT"});
      for (String[] run : runs) {
        Path home = Files.createDirectories(dir.resolve("home-" + relay.total.get()));
        Path downloads = Files.createDirectories(home.resolve("downloads"));
        Path bigFile = Files.write(home.resolve("big.bin"), new byte[64 * 1024]);
        Path script = Files.writeString(home.resolve("pool.py"), String.join("\n",
            "import importlib.util, concurrent.futures, google.auth.compute_engine, google.auth.transport.requests",
            "def refresh(i):",
            "    credentials = google.auth.compute_engine.Credentials()",
            "    credentials.refresh(google.auth.transport.requests.Request())",
            "    return credentials.token",
            "with concurrent.futures.ThreadPoolExecutor(64) as pool:",
            "    tokens = list(pool.map(refresh, range(64)))",
            "print(len(tokens), 'tokens')", ""));
        List<String> command = new ArrayList<>(List.of(run[1].replace("DOWNLOADS", downloads.toString())
            .replace("SCRIPT", script.toString()).replace("BIGFILE", bigFile.toString()).split(" ")));
        relay.reset();
        Result result = runClient(command, home, relay.port(), storage.getPort());
        System.out.printf("| %s | exit %d | %d connections, at most %d open at once | %d closed unanswered (refused by the cap, or opened and closed by the client) |%n",
            run[0], result.exitCode, relay.total.get(), relay.maxOpen.get(), relay.closedUnanswered.get());
        if (result.exitCode != 0) {
          System.out.println(result.output.lines().limit(30).collect(Collectors.joining("\n")));
        }
      }
    }
  }

  record Result(int exitCode, String output) {}

  private static Result runClient(List<String> command, Path home, int metadataPort, int storagePort) throws Exception {
    Files.writeString(home.resolve("boto.cfg"), String.join("\n",
        "[Credentials]", "gs_json_host = 127.0.0.1", "gs_json_port = " + storagePort,
        "[Boto]", "https_validate_certificates = False",
        "[GSUtil]", "state_dir = " + home.resolve(".gsutil"), "software_update_check_period = 0",
        "check_hashes = never",
        "[GoogleCompute]", "service_account = default", ""));
    ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.clear();
    String metadata = "127.0.0.1:" + metadataPort;
    env.putAll(Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "LANG", "C.UTF-8", "HOME", home.toString(),
        "CLOUDSDK_CONFIG", home.resolve("gcloud").toString(), "CLOUDSDK_CORE_DISABLE_PROMPTS", "1",
        "CLOUDSDK_PYTHON", PYTHON.toString(), "BOTO_CONFIG", home.resolve("boto.cfg").toString(),
        "NO_PROXY", "127.0.0.1,localhost", "GCE_METADATA_HOST", metadata));
    env.putAll(Map.of("GCE_METADATA_ROOT", metadata, "GCE_METADATA_IP", metadata,
        "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK", "1", "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING", "1",
        "PYTHONPATH", SDK.resolve("lib/third_party").toString()));
    Process process = builder.start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(300, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  /** A JSON API bucket whose objects all hold "hello": metadata and media downloads. */
  private static MockWebServer storage() throws IOException {
    HeldCertificate certificate = new HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1")
        .duration(1, TimeUnit.DAYS).build();
    MockWebServer storage = new MockWebServer();
    storage.useHttps(new HandshakeCertificates.Builder().heldCertificate(certificate).build().sslSocketFactory());
    storage.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        String name = path.substring(path.lastIndexOf('/') + 1);
        String method = request.getMethod();
        if ("DELETE".equals(method)) {
          return new MockResponse.Builder().code(204).build();
        }
        if ("POST".equals(method) || "PUT".equals(method)) {
          String uploaded = request.getUrl().queryParameter("name");
          return FakeGoogle.json(200, object(uploaded != null ? uploaded : name.equals("compose") ? "big" : name));
        }
        if (path.startsWith("/download/") || "media".equals(request.getUrl().queryParameter("alt"))) {
          return new MockResponse.Builder().code(200).addHeader("Content-Type", "text/plain").body("hello").build();
        }
        if (path.equals("/storage/v1/b/bkt")) {
          return FakeGoogle.json(200, "{\"kind\":\"storage#bucket\",\"name\":\"bkt\",\"id\":\"bkt\","
              + "\"location\":\"US\",\"storageClass\":\"STANDARD\",\"metageneration\":\"1\"}");
        }
        if (path.startsWith("/storage/v1/b/bkt/o/")) {
          return FakeGoogle.json(200, object(name));
        }
        return FakeGoogle.json(404, "{\"error\":{\"code\":404,\"message\":\"not found: " + path + "\"}}");
      }
    });
    storage.start(InetAddress.getLoopbackAddress(), 0);
    return storage;
  }

  private static String object(String name) {
    return "{\"kind\":\"storage#object\",\"name\":\"" + name + "\",\"bucket\":\"bkt\","
        + "\"size\":\"5\",\"generation\":\"1\",\"metageneration\":\"1\",\"contentType\":\"text/plain\","
        + "\"md5Hash\":\"XUFAKrxLKna5cZ2REBfFkg==\",\"crc32c\":\"mnG7TA==\",\"etag\":\"CAE=\","
        + "\"updated\":\"2026-01-01T00:00:00.000Z\",\"timeCreated\":\"2026-01-01T00:00:00.000Z\","
        + "\"mediaLink\":\"https://127.0.0.1/download/storage/v1/b/bkt/o/" + name + "?alt=media\"}";
  }

  /** Forwards loopback connections to the sidecar and counts them: in total, open at once, closed unanswered. */
  static final class Relay implements AutoCloseable {
    final AtomicInteger total = new AtomicInteger();
    final AtomicInteger maxOpen = new AtomicInteger();
    final AtomicInteger closedUnanswered = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final ServerSocket listener;
    private final int target;

    Relay(int target) throws IOException {
      this.target = target;
      this.listener = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(this::acceptLoop, "relay-accept");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return listener.getLocalPort();
    }

    void reset() {
      total.set(0);
      maxOpen.set(0);
      closedUnanswered.set(0);
    }

    private void acceptLoop() {
      while (!listener.isClosed()) {
        try {
          Socket client = listener.accept();
          Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
          total.incrementAndGet();
          maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
          AtomicInteger answered = new AtomicInteger();
          AtomicInteger ended = new AtomicInteger();
          Runnable end = () -> {
            if (ended.incrementAndGet() == 1) {
              open.decrementAndGet();
              if (answered.get() == 0) {
                closedUnanswered.incrementAndGet();
              }
              closeQuietly(client);
              closeQuietly(upstream);
            }
          };
          pump(client, upstream, null, end);
          pump(upstream, client, answered, end);
        } catch (IOException e) {
          // listener closed
        }
      }
    }

    private static void pump(Socket from, Socket to, AtomicInteger bytes, Runnable end) {
      Thread thread = new Thread(() -> {
        byte[] buffer = new byte[8192];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
          int n;
          while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            if (bytes != null) {
              bytes.addAndGet(n);
            }
          }
        } catch (IOException closed) {
          // either side closed
        } finally {
          end.run();
        }
      }, "relay");
      thread.setDaemon(true);
      thread.start();
    }

    private static void closeQuietly(Socket socket) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
    }
  }
}
