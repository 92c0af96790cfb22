package dev.gcpwif.sidecar.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/** Keep-alive HTTP/1.1 GETs over raw sockets: cheap on the client side, so the server dominates the numbers. */
final class LoadClient {
  record Result(long requests, double seconds, long p50Micros, long p99Micros) {
    double perSecond() {
      return requests / seconds;
    }
  }

  static Result run(int port, String path, int connections, int requests) throws Exception {
    byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nMetadata-Flavor: Google\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    long[] latencies = new long[requests];
    AtomicInteger next = new AtomicInteger();
    Thread[] threads = new Thread[connections];
    Exception[] failure = new Exception[1];
    long started = System.nanoTime();
    for (int t = 0; t < connections; t++) {
      threads[t] = new Thread(() -> {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
          socket.setTcpNoDelay(true);
          socket.setSoTimeout(30_000); // a stuck server fails the run instead of hanging it
          OutputStream out = socket.getOutputStream();
          InputStream in = new BufferedInputStream(socket.getInputStream());
          int i;
          while ((i = next.getAndIncrement()) < requests) {
            long begin = System.nanoTime();
            out.write(request);
            out.flush();
            readResponse(in);
            latencies[i] = System.nanoTime() - begin;
          }
        } catch (Exception e) {
          failure[0] = e;
        }
      });
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
    return new Result(requests, seconds, latencies[requests / 2] / 1000, latencies[(int) (requests * 0.99)] / 1000);
  }

  private static void readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed");
      }
      head.append((char) c);
    }
    String headers = head.toString().toLowerCase();
    if (!headers.startsWith("http/1.1 200")) {
      throw new IOException("unexpected response: " + head.substring(0, head.indexOf("\r\n")));
    }
    int at = headers.indexOf("content-length:");
    if (at >= 0) {
      int length = Integer.parseInt(headers.substring(at + 15, headers.indexOf("\r\n", at)).trim());
      in.readNBytes(length);
      return;
    }
    while (true) {  // chunked
      StringBuilder size = new StringBuilder();
      int c;
      while ((c = in.read()) != '\n') {
        size.append((char) c);
      }
      int length = Integer.parseInt(size.toString().trim(), 16);
      in.readNBytes(length + 2);
      if (length == 0) {
        return;
      }
    }
  }
}
