package dev.gcpwif.sidecar.server;

import com.sun.net.httpserver.HttpServer;
import dev.gcpwif.sidecar.concurrent.ElasticThreadPool;
import dev.gcpwif.sidecar.config.ListenAddress;
import dev.gcpwif.sidecar.token.TokenService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The HTTP side: probes and metadata paths on every loopback listener (the JDK's own server, module jdk.httpserver:
 * no extra classes to load, few threads), and optionally the probes alone on a port open on every interface (for the
 * kubelet), served by a {@link ProbeListener} of its own. Nothing reachable from outside the pod shares a thread, a
 * queue or a connection slot with the metadata listeners.
 */
public final class SidecarServer implements AutoCloseable {
  /**
   * The JDK server reads a request's head on a thread of this pool, blocking, so a client that sends slowly holds a
   * thread until the request deadline (ServerLimits); the same thread then answers. A thread is started only when
   * none is idle: real clients' requests take microseconds, so a few threads serve them, and each slow client makes
   * room for one more, up to this many at once. Bounded by memory: a request being handled holds the JDK's buffers
   * on the heap (8 KiB of input buffer alone; reading a thousand cold-cache requests at once ran out of the 24 MiB
   * heap), and each thread about 100 KiB of RSS (BENCHMARKS.md); a cold-cache burst, whose clients each hold a thread
   * while they wait on the one token fetch in flight, must stay well inside the container's 128 MiB limit. Above
   * the 128 slow connections SlowClientsTest holds at once.
   */
  static final int MAX_THREADS = 160;
  /**
   * Threads started as soon as none is idle; beyond them the pool grows only when its queue stalls (threads held by
   * slow clients). A burst of requests read at once (256 cold clients: the connection cap) then needs these few, not
   * a thread and its ~100 KiB of committed stack each (BENCHMARKS.md, issue 14).
   */
  static final int EAGER_THREADS = 8;
  /**
   * Answers that were not ready when their request was read (clients that waited for a token being fetched) are
   * written by a few threads of their own: each write takes microseconds, and a client that does not read holds up
   * one of them, not the others.
   */
  static final int REPLY_THREADS = 4;
  /** Requests waiting for a thread, not yet read: a connection and nothing more each. */
  static final int QUEUED_REQUESTS = 4096;
  /** Pending connections per listener: a burst of clients connecting at once must not have SYNs dropped. */
  private static final int ACCEPT_BACKLOG = 1024;
  /** How long in-flight requests may take to finish on stop. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(3);

  private final List<HttpServer> metadataServers;
  private final ProbeListener probes;
  private final List<ThreadPoolExecutor> pools;
  private final AtomicInteger inFlight;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SidecarServer(List<HttpServer> metadataServers, ProbeListener probes, List<ThreadPoolExecutor> pools,
      AtomicInteger inFlight) {
    this.metadataServers = metadataServers;
    this.probes = probes;
    this.pools = pools;
    this.inFlight = inFlight;
  }

  /** @param healthPort where the probes alone are served on all interfaces; empty: on the loopback listeners only */
  public static SidecarServer start(List<ListenAddress> listeners, OptionalInt healthPort, MetadataHandler metadata,
      TokenService tokens) {
    ServerLimits.apply();
    // Threads exist only while there is work: an idle sidecar keeps none of them.
    ThreadPoolExecutor workers =
        ElasticThreadPool.create("metadata-http", MAX_THREADS, EAGER_THREADS, QUEUED_REQUESTS, 30);
    ThreadPoolExecutor replies = ElasticThreadPool.create("metadata-reply", REPLY_THREADS, QUEUED_REQUESTS, 30);
    Routes routes = new Routes(metadata, tokens,
        new HostCheck(listeners.stream().map(ListenAddress::name).collect(Collectors.toSet())));
    AtomicInteger inFlight = new AtomicInteger();
    List<HttpServer> servers = new ArrayList<>();
    ProbeListener probes = null;
    try {
      for (ListenAddress address : listeners) {
        servers.add(bind(new InetSocketAddress(InetAddress.getByName(address.host()), address.port()), ACCEPT_BACKLOG,
            new ExchangeHandler(routes, inFlight, replies), workers));
      }
      if (healthPort.isPresent()) {
        // The wildcard address: IPv4 and IPv6 pod IPs alike.
        probes = ProbeListener.bind(new InetSocketAddress(healthPort.getAsInt()), path -> probeAnswer(path, tokens));
      }
    } catch (IOException e) {
      servers.forEach(server -> server.stop(0));
      workers.shutdownNow();
      replies.shutdownNow();
      throw new UncheckedIOException(e);
    }
    servers.forEach(HttpServer::start);
    if (probes != null) {
      probes.start();
    }
    return new SidecarServer(List.copyOf(servers), probes, List.of(workers, replies), inFlight);
  }

  /**
   * The probe port is open to the cluster: it says whether the sidecar is ready and nothing of why not (Google's
   * error text names the pool, the provider and the service account); the reason is in the log and on loopback.
   */
  static Reply probeAnswer(String rawPath, TokenService tokens) {
    if (rawPath.equals("/readyz") && !tokens.ready()) {
      return Reply.text(503, "not ready\n");
    }
    return Reply.text(200, "ok\n");
  }

  private static HttpServer bind(InetSocketAddress address, int backlog, ExchangeHandler handler,
      ThreadPoolExecutor workers) throws IOException {
    HttpServer server = HttpServer.create(address, backlog);
    // One context for every path: the JDK matches contexts by prefix, the routes match exact paths themselves.
    server.createContext("/", handler);
    server.setExecutor(workers);
    return server;
  }

  /** The metadata listeners' ports, in the order given. */
  public int[] ports() {
    return metadataServers.stream().mapToInt(server -> server.getAddress().getPort()).toArray();
  }

  public OptionalInt healthPort() {
    return probes == null ? OptionalInt.empty() : OptionalInt.of(probes.port());
  }

  public int port() {
    return ports()[0];
  }

  /**
   * Lets in-flight requests finish (for up to a few seconds), then closes the listeners and every connection. Waits
   * itself instead of through {@code HttpServer.stop(delay)}: on JDK 17 that always sleeps the whole delay when no
   * request is in flight (JDK-8304065; fixed in JDK 25 and 21), which would hold up every pod's termination for nothing.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (probes != null) {
      probes.close();
    }
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    metadataServers.forEach(server -> server.stop(0));
    pools.forEach(ThreadPoolExecutor::shutdownNow);
  }
}
