package dev.gcpwif.sidecar.server;

import java.util.Map;

/**
 * Limits of the JDK's HTTP server, which it reads once from system properties (sun.net.httpserver.ServerConfig,
 * JDK 17.0.15). The defaults let one request hold a worker thread forever and buffer 380 KiB of headers; here the
 * clients are the pod's own processes, and a stuck or runaway one must not take the identity away from the others.
 * A property the operator set on the command line wins.
 */
final class ServerLimits {
  /** Request line plus headers; oversized requests get their connection closed. Real clients send under 1 KiB. */
  static final int MAX_REQUEST_HEADER_BYTES = 32 * 1024;
  /**
   * Open connections per listener. The real clients open few at once from an empty cache (gcloud 1, gsutil -m with
   * 16 processes x 8 threads 4, Python google-auth with 64 threads each refreshing its own credentials up to 64:
   * BENCHMARKS.md, benchmarks/sidecar-clients.sh), and every open connection holds the JDK server's 16 KiB of
   * buffers on the heap for as long as it stays open, idle or not. Above the 128 slow connections SlowClientsTest
   * holds while others must still be answered. A connection beyond this is closed unanswered at once, which the
   * clients retry (gsutil -m, google-auth).
   */
  static final int MAX_CONNECTIONS = 256;
  /**
   * Seconds a client has to send its request (line, headers and any body) once its first byte arrived, and that a
   * connection may stay open without sending anything. The JDK reads a request head on a thread of the executor, so
   * this bounds how long a slow client holds one; real clients on loopback send the whole request in one write.
   */
  static final int REQUEST_SECONDS = 5;

  private static final Map<String, String> DEFAULTS = Map.of(
      "sun.net.httpserver.maxReqHeaderSize", String.valueOf(MAX_REQUEST_HEADER_BYTES),
      "sun.net.httpserver.maxReqHeaders", "100",
      // Seconds to receive a request (line, headers, body) and, for a new connection, its first byte: a slow or
      // silent sender is cut off instead of holding a thread.
      "sun.net.httpserver.maxReqTime", String.valueOf(REQUEST_SECONDS),
      // Milliseconds between the JDK's sweeps for idle and silent new connections (its default, 10 s, would let a
      // connection that never sends a byte stay up to 15 s instead of 5).
      "sun.net.httpserver.clockTick", "1000",
      // Seconds to send a response to a client that does not read it.
      "sun.net.httpserver.maxRspTime", "30",
      // Idle keep-alive connections are closed after this many seconds (the JDK's default, stated).
      "sun.net.httpserver.idleInterval", "30",
      // Open connections per listener; the JDK closes any accepted beyond this at once. Each open connection holds
      // heap: 2,000 simultaneous clients exhausted the 24 MiB heap and the sidecar exited (BENCHMARKS.md); a client
      // refused here retries, a sidecar that exits fails every client of the pod.
      "jdk.httpserver.maxConnections", String.valueOf(MAX_CONNECTIONS),
      // Small answers: send them now instead of waiting for the client's delayed ACK (Nagle).
      "sun.net.httpserver.nodelay", "true");

  private ServerLimits() {}

  /** Must run before the first HttpServer is created: the JDK reads the properties in a static initializer. */
  static void apply() {
    DEFAULTS.forEach((name, value) -> {
      if (System.getProperty(name) == null) {
        System.setProperty(name, value);
      }
    });
  }
}
