package dev.gcpwif.webhook.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * HTTPS keep-alive POSTs over raw {@link SSLSocket}s, one blocking thread per connection (cheap on the client side,
 * so the server dominates). Two modes:
 *
 * <ul>
 *   <li>open loop: request i is due at start + i/rate, whether or not earlier answers came back; its latency runs
 *       from that due time, so a stalled server is charged for the requests queued behind it (no coordinated
 *       omission). Offered rates the connections cannot keep up with show as growing latency, not as a lower rate;
 *   <li>closed loop: every connection sends its next request as soon as the previous answer arrived (saturation).
 * </ul>
 */
final class HttpsLoad {
  record Result(int requests, double seconds, long[] sortedNanos, String firstBody) {
    double perSecond() {
      return requests / seconds;
    }

    double percentileMillis(double p) {
      int index = Math.min(sortedNanos.length - 1, (int) Math.ceil(p * sortedNanos.length) - 1);
      return sortedNanos[Math.max(0, index)] / 1e6;
    }
  }

  private final SSLSocketFactory sockets;
  private final int port;
  private final String acceptEncoding;

  /**
   * @param acceptEncoding sent as {@code Accept-Encoding} when not empty: a real API server's Go client asks for
   *     {@code gzip} unless its transport disables compression, and the server then compresses larger answers
   */
  HttpsLoad(SSLSocketFactory sockets, int port, String acceptEncoding) {
    this.sockets = sockets;
    this.port = port;
    this.acceptEncoding = acceptEncoding;
  }

  Result openLoop(String path, byte[] body, int connections, int ratePerSecond, int requests) throws Exception {
    return run(path, body, connections, requests, 1e9 / ratePerSecond);
  }

  Result closedLoop(String path, byte[] body, int connections, int requests) throws Exception {
    return run(path, body, connections, requests, 0);
  }

  private Result run(String path, byte[] body, int connections, int requests, double intervalNanos) throws Exception {
    byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n"
        + (acceptEncoding.isEmpty() ? "" : "Accept-Encoding: " + acceptEncoding + "\r\n")
        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    long[] latencies = new long[requests];
    String[] firstBody = new String[1];
    AtomicInteger next = new AtomicInteger();
    Exception[] failure = new Exception[1];
    Thread[] threads = new Thread[connections];
    SSLSocket[] opened = new SSLSocket[connections];
    for (int t = 0; t < connections; t++) {
      opened[t] = (SSLSocket) sockets.createSocket(InetAddress.getLoopbackAddress(), port);
      opened[t].setTcpNoDelay(true);
      opened[t].setSoTimeout(30_000); // a hung server fails the run instead of hanging it
      opened[t].startHandshake(); // handshakes happen before the clock starts: keep-alive is what is measured
    }
    long started = System.nanoTime();
    for (int t = 0; t < connections; t++) {
      SSLSocket socket = opened[t];
      threads[t] = new Thread(() -> {
        try (socket) {
          OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
          InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
          int i;
          while ((i = next.getAndIncrement()) < requests && failure[0] == null) {
            long due = intervalNanos == 0 ? System.nanoTime() : started + (long) (i * intervalNanos);
            long wait = due - System.nanoTime();
            if (wait > 0) {
              LockSupport.parkNanos(wait);
              while (System.nanoTime() < due) {
                Thread.onSpinWait();
              }
            }
            out.write(head);
            out.write(body);
            out.flush();
            String answer = readResponse(in);
            latencies[i] = System.nanoTime() - due;
            if (i == 0) {
              firstBody[0] = answer;
            }
          }
        } catch (Exception e) {
          failure[0] = e;
        }
      }, "load-" + t);
      threads[t].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    if (failure[0] != null) {
      throw failure[0];
    }
    Arrays.sort(latencies);
    return new Result(requests, seconds, latencies, firstBody[0]);
  }

  /** Reads one response, gunzipped if it came compressed; anything but a 200 fails the run. */
  private static String readResponse(InputStream in) throws IOException {
    StringBuilder headers = new StringBuilder();
    byte[] body = readResponse(in, headers);
    if (headers.indexOf("content-encoding: gzip") >= 0) {
      try (InputStream gunzip = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
        body = gunzip.readAllBytes();
      }
    }
    return new String(body, StandardCharsets.UTF_8);
  }

  private static byte[] readResponse(InputStream in, StringBuilder lowerCaseHeaders) throws IOException {
    StringBuilder head = new StringBuilder();
    while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed by the server");
      }
      head.append((char) c);
    }
    String headers = head.toString().toLowerCase(Locale.ROOT);
    lowerCaseHeaders.append(headers);
    if (!headers.startsWith("http/1.1 200")) {
      throw new IOException("unexpected response: " + head.substring(0, head.indexOf("\r\n")));
    }
    int at = headers.indexOf("content-length:");
    if (at >= 0) {
      int length = Integer.parseInt(headers.substring(at + 15, headers.indexOf("\r\n", at)).trim());
      return in.readNBytes(length);
    }
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(); // chunked
    while (true) {
      StringBuilder size = new StringBuilder();
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) {
          throw new IOException("connection closed inside a chunked body");
        }
        size.append((char) c);
      }
      int length = Integer.parseInt(size.toString().trim(), 16);
      body.write(in.readNBytes(length));
      in.readNBytes(2);
      if (length == 0) {
        return body.toByteArray();
      }
    }
  }
}
