package dev.gcpwif.sidecar.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The probe port, open on every interface so that the kubelet reaches it at the pod IP, and therefore reachable by
 * any pod of the cluster. It is served by one selector thread of its own and no worker: a request head is read as its
 * bytes arrive, without a thread waiting on it, so a slow or silent client costs a buffer and nothing another client
 * needs. Each connection has a few seconds to send its head and is answered once, then closed (the kubelet opens a
 * connection per probe). When the connection cap is reached, the oldest connection still being read is closed to
 * make room: a probe sends its head within milliseconds of connecting, so holding connections open keeps no probe out.
 */
final class ProbeListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProbeListener.class);
  /** A kubelet probe's head is about 150 bytes; extra httpHeaders in a probe spec still fit. */
  static final int MAX_HEAD_BYTES = 4096;
  static final int MAX_CONNECTIONS = 128;
  static final Duration HEAD_DEADLINE = Duration.ofSeconds(ServerLimits.REQUEST_SECONDS);
  private static final int ACCEPT_BACKLOG = 128;

  private final ServerSocketChannel channel;
  private final Selector selector;
  private final Function<String, Reply> answers;
  private final Deque<Connection> open = new ArrayDeque<>();
  private final Thread thread;
  private volatile boolean stopping;

  private ProbeListener(ServerSocketChannel channel, Selector selector, Function<String, Reply> answers) {
    this.channel = channel;
    this.selector = selector;
    this.answers = answers;
    this.thread = new Thread(this::run, "probe-http");
    thread.setDaemon(true);
  }

  /** @param answers the reply to an admitted probe, by its raw path */
  static ProbeListener bind(InetSocketAddress address, Function<String, Reply> answers) throws IOException {
    ServerSocketChannel channel = ServerSocketChannel.open();
    Selector selector = null;
    try {
      channel.bind(address, ACCEPT_BACKLOG);
      channel.configureBlocking(false);
      selector = Selector.open();
      channel.register(selector, SelectionKey.OP_ACCEPT);
      return new ProbeListener(channel, selector, answers);
    } catch (IOException | RuntimeException e) {
      channel.close();
      if (selector != null) {
        selector.close();
      }
      throw e;
    }
  }

  void start() {
    thread.start();
  }

  int port() {
    return ((InetSocketAddress) channel.socket().getLocalSocketAddress()).getPort();
  }

  @Override
  public void close() {
    stopping = true;
    selector.wakeup();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      while (!stopping) {
        selector.select(timeoutToNextDeadline());
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            acceptAll();
          } else if (key.attachment() instanceof Connection connection) {
            serve(connection, key);
          }
        }
        closeExpired();
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("probe port stopped serving: {}", e.toString());
    } finally {
      open.forEach(Connection::close);
      open.clear();
      try {
        selector.close();
        channel.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  private long timeoutToNextDeadline() {
    Connection oldest = open.peekFirst();
    if (oldest == null) {
      return 0; // until a connection arrives
    }
    return Math.max(1, Math.min(1000, (oldest.deadline - System.nanoTime()) / 1_000_000));
  }

  private void acceptAll() throws IOException {
    SocketChannel accepted;
    while ((accepted = channel.accept()) != null) {
      if (open.size() >= MAX_CONNECTIONS) {
        // The oldest is the likeliest to be a client that never finishes; a new one is likely a probe.
        open.pollFirst().close();
      }
      accepted.configureBlocking(false);
      accepted.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
      Connection connection = new Connection(accepted, System.nanoTime() + HEAD_DEADLINE.toNanos());
      connection.key = accepted.register(selector, SelectionKey.OP_READ, connection);
      open.addLast(connection);
    }
  }

  private void serve(Connection connection, SelectionKey key) {
    try {
      if (key.isWritable()) {
        finishWrite(connection);
        return;
      }
      if (connection.reply != null) {
        return; // answered; waiting for the client to take the reply
      }
      int read = connection.channel.read(connection.head);
      if (read < 0) {
        drop(connection);
        return;
      }
      int end = headEnd(connection.head);
      if (end < 0) {
        if (!connection.head.hasRemaining()) {
          answer(connection, Reply.text(431, "Request Header Fields Too Large\n"));
        }
        return;
      }
      answer(connection, reply(requestLine(connection.head)));
    } catch (IOException clientGone) {
      drop(connection);
    }
  }

  private Reply reply(String requestLine) {
    String[] parts = requestLine.split(" ", -1);
    if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
      return Reply.text(400, "Bad Request\n");
    }
    String rawPath;
    try {
      rawPath = new URI(parts[1]).getRawPath();
    } catch (URISyntaxException e) {
      return Reply.text(400, "Bad Request\n");
    }
    if (rawPath == null || !HealthOnlyGate.admits(parts[0], rawPath)) {
      return HealthOnlyGate.refusal();
    }
    return answers.apply(rawPath);
  }

  private void answer(Connection connection, Reply reply) throws IOException {
    byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + reply.status() + " " + reason(reply.status()) + "\r\n"
        + "Content-Type: " + reply.contentType() + "\r\n"
        + "Content-Length: " + body.length + "\r\n"
        + "Connection: close\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer out = ByteBuffer.allocate(headBytes.length + body.length).put(headBytes).put(body).flip();
    connection.reply = out;
    finishWrite(connection);
  }

  private void finishWrite(Connection connection) throws IOException {
    connection.channel.write(connection.reply);
    if (connection.reply.hasRemaining()) {
      connection.key.interestOps(SelectionKey.OP_WRITE); // the client reads slowly; the same deadline applies
    } else {
      drop(connection);
    }
  }

  private void closeExpired() {
    long now = System.nanoTime();
    while (!open.isEmpty() && open.peekFirst().deadline - now <= 0) {
      open.pollFirst().close();
    }
  }

  private void drop(Connection connection) {
    open.remove(connection);
    connection.close();
  }

  /** Index after the blank line that ends the head, or -1 while it has not arrived. */
  private static int headEnd(ByteBuffer head) {
    byte[] bytes = head.array();
    for (int i = 3; i < head.position(); i++) {
      if (bytes[i] == '\n' && bytes[i - 1] == '\r' && bytes[i - 2] == '\n' && bytes[i - 3] == '\r') {
        return i + 1;
      }
    }
    return -1;
  }

  private static String requestLine(ByteBuffer head) {
    byte[] bytes = head.array();
    int end = 0;
    while (bytes[end] != '\r') {
      end++;
    }
    return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 431 -> "Request Header Fields Too Large";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }

  private static final class Connection {
    final SocketChannel channel;
    final long deadline;
    /** Allocated with the connection: it exists to be read into, and MAX_CONNECTIONS of them are 512 KiB. */
    final ByteBuffer head = ByteBuffer.allocate(MAX_HEAD_BYTES);
    SelectionKey key;
    ByteBuffer reply;

    Connection(SocketChannel channel, long deadline) {
      this.channel = channel;
      this.deadline = deadline;
    }

    void close() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing left to do with it
      }
    }
  }
}
