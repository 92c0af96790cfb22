package dev.gcpwif.sidecar.bench;

import dev.gcpwif.sidecar.testing.RawHttp;
import dev.gcpwif.testsupport.FakeGoogle;
import dev.gcpwif.testsupport.Ports;
import dev.gcpwif.testsupport.ProcStatus;
import dev.gcpwif.testsupport.SidecarProcess;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What slow clients cost the sidecar: threads and RSS while N connections that sent one byte are held open on the
 * metadata port, then on the probe port, the time a token request and /healthz take meanwhile, and what is left once
 * the request deadline has closed them. Run by {@code BENCH_SLOW=true benchmarks/sidecar-bench.sh}. Loopback only.
 */
public final class SlowClientCost {
  private static final String TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token";

  public static void main(String[] args) throws Exception {
    int clients = Integer.getInteger("bench.slow.clients", 512);
    List<String> jvm = Files.readAllLines(Path.of("jvm.options")).stream()
        .map(String::trim).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    int healthPort = Ports.free();
    try (FakeGoogle google = new FakeGoogle();
        SidecarProcess sidecar = SidecarProcess.start(google, Files.createTempDirectory("slow-bench"), jvm,
            "--health-port", String.valueOf(healthPort))) {
      sidecar.awaitOk("/readyz", Duration.ofSeconds(60));
      long pid = sidecar.process.pid();
      System.out.println("| state | threads | RSS MiB | token ms | /healthz ms |");
      System.out.println("|---|---|---|---|---|");
      row("idle, ready", pid, sidecar.port, healthPort);
      List<Socket> held = new ArrayList<>();
      try {
        open(held, sidecar.port, clients);
        row(clients + " one-byte connections on the metadata port", pid, sidecar.port, healthPort);
        open(held, healthPort, clients);
        row("plus " + clients + " on the probe port", pid, sidecar.port, healthPort);
        Thread.sleep(8000);
        row("8 s later (request deadline 5 s)", pid, sidecar.port, healthPort);
      } finally {
        for (Socket socket : held) {
          socket.close();
        }
      }
      System.out.printf("peak RSS (VmHWM): %d MiB%n", ProcStatus.peakRssKib(pid) / 1024);
    }
  }

  private static void open(List<Socket> held, int port, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      Socket socket = RawHttp.connect(port);
      socket.getOutputStream().write('G');
      held.add(socket);
    }
    Thread.sleep(500);
  }

  private static void row(String state, long pid, int port, int healthPort) throws Exception {
    long threads = ProcStatus.threads(pid);
    long rss = ProcStatus.rssKib(pid);
    long token = millis(port, "GET " + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nMetadata-Flavor: Google\r\n"
        + "Connection: close\r\n\r\n");
    long health = millis(healthPort, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    System.out.printf("| %s | %d | %d | %s | %s |%n", state, threads, rss / 1024, token < 0 ? "no answer" : token,
        health < 0 ? "no answer" : health);
  }

  /** Milliseconds to a 200, or -1 when none came within 10 s. */
  private static long millis(int port, String request) {
    long started = System.nanoTime();
    try (Socket socket = RawHttp.connect(port)) {
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      String status = RawHttp.read(socket.getInputStream(), false).statusLine();
      return status.startsWith("HTTP/1.1 200") ? (System.nanoTime() - started) / 1_000_000 : -1;
    } catch (IOException e) {
      return -1;
    }
  }
}
