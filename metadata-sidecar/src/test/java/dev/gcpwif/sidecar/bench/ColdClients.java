package dev.gcpwif.sidecar.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A thundering herd on an empty cache: every client has its connection open, then all send the same token request at
 * once. Counts the answers by status and times each one from the common start.
 */
final class ColdClients {
  record Result(int clients, int ok, int retries, List<String> failures, long connectMillis, long allAnsweredMillis, long p50Millis, long p99Millis,
      long maxMillis) {}

  private static final int SOCKET_TIMEOUT_MILLIS = 60_000;
  private static final int RETRIES = 5;
  private static final int RETRY_BACKOFF_MILLIS = 100;

  static Result run(int port, String path, int clients) throws Exception {
    byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nMetadata-Flavor: Google\r\n"
        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    Socket[] sockets = new Socket[clients];
    long[] latencies = new long[clients];
    String[] statuses = new String[clients];
    CountDownLatch connected = new CountDownLatch(clients);
    CountDownLatch go = new CountDownLatch(1);
    AtomicReference<Long> start = new AtomicReference<>();
    AtomicInteger retried = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    long setupStarted = System.nanoTime();
    try {
      for (int i = 0; i < clients; i++) {
        int index = i;
        // Each client connects in its own thread right before the common start: the server closes a connection that
        // stays silent for its idle interval (30 s), and a slow machine must not turn that into failures here.
        Thread thread = new Thread(null, () -> {
          try {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            sockets[index] = socket;
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            connected.countDown();
            go.await();
            String status = exchange(socket, request);
            // A connection beyond the sidecar's cap is closed unanswered; real clients (google-auth, gsutil) retry
            // with a back-off, and so does this one, a bounded number of times.
            for (int attempt = 1; status.isEmpty() && attempt <= RETRIES; attempt++) {
              retried.incrementAndGet();
              Thread.sleep(RETRY_BACKOFF_MILLIS * attempt);
              try (Socket again = new Socket(InetAddress.getLoopbackAddress(), port)) {
                again.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
                status = exchange(again, request);
              } catch (IOException refused) {
                status = "";
              }
            }
            statuses[index] = status;
          } catch (Exception e) {
            statuses[index] = "failed: " + e;
            connected.countDown();
          }
          latencies[index] = start.get() == null ? 0 : System.nanoTime() - start.get();
        }, "cold-client-" + i, 128 * 1024);
        threads.add(thread);
        thread.start();
      }
      if (!connected.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("not all " + clients + " clients connected within 60 s");
      }
      long setupMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - setupStarted);
      start.set(System.nanoTime());
      go.countDown();
      for (Thread thread : threads) {
        thread.join(TimeUnit.SECONDS.toMillis(90));
      }
      int ok = 0;
      List<String> failures = new ArrayList<>();
      for (String status : statuses) {
        if (status != null && status.startsWith("HTTP/1.1 200")) {
          ok++;
        } else if (failures.size() < 10) {
          failures.add(String.valueOf(status));
        }
      }
      Arrays.sort(latencies);
      return new Result(clients, ok, retried.get(), failures, setupMillis, TimeUnit.NANOSECONDS.toMillis(latencies[clients - 1]),
          TimeUnit.NANOSECONDS.toMillis(latencies[clients / 2]), TimeUnit.NANOSECONDS.toMillis(latencies[(int) (clients * 0.99)]),
          TimeUnit.NANOSECONDS.toMillis(latencies[clients - 1]));
    } finally {
      for (Socket socket : sockets) {
        if (socket != null) {
          socket.close();
        }
      }
    }
  }

  /** The status line; empty when the server closed or reset the connection unanswered. */
  private static String exchange(Socket socket, byte[] request) {
    try {
      socket.getOutputStream().write(request);
      return statusLine(new BufferedInputStream(socket.getInputStream()));
    } catch (java.net.SocketTimeoutException e) {
      return "no answer within " + SOCKET_TIMEOUT_MILLIS + " ms";
    } catch (IOException closed) {
      return "";
    }
  }

  private static String statusLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\r') {
      line.append((char) c);
    }
    in.readAllBytes(); // Connection: close, so the server ends the stream after the body
    return line.toString();
  }
}
