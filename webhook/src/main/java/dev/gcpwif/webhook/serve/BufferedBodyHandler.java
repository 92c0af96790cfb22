package dev.gcpwif.webhook.serve;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads each request body without a thread, then hands the complete body to the (blocking) handlers behind it.
 *
 * <p>Jetty parses headers and receives content asynchronously; only a handler reading the body with blocking I/O holds a
 * thread while the client takes its time. The endpoints read with blocking I/O (servlet streams), so without this a few
 * hundred connections dripping a body took every thread of the pool and {@code /healthz} stopped answering. Here a
 * slow body costs a connection and the bytes received so far (at most {@link RequestLimits#maxBodyBytes()}), no
 * thread, and it is cut when it falls below the minimum rate or passes the read timeout.
 *
 * <p>Also a {@link Connection.Listener}: a connection that has not delivered its first request's headers within the
 * read timeout (TLS handshake included) is closed, since Jetty itself only times out silence, not slowness.
 */
final class BufferedBodyHandler extends Handler.Wrapper implements Connection.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(BufferedBodyHandler.class);
  /** Grace before the minimum rate applies: the first packet of a body may trail its headers a little. */
  private static final long RATE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final RequestLimits limits;
  private final Set<Connection> served = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private final AtomicLong tooLarge = new AtomicLong();
  private final AtomicLong tooSlow = new AtomicLong();
  private final AtomicLong unansweredConnections = new AtomicLong();

  BufferedBodyHandler(RequestLimits limits) {
    this.limits = limits;
  }

  long tooLarge() {
    return tooLarge.get();
  }

  long tooSlow() {
    return tooSlow.get();
  }

  long unansweredConnections() {
    return unansweredConnections.get();
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    served.add(request.getConnectionMetaData().getConnection());
    long declared = request.getLength();
    boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING, HttpHeaderValue.CHUNKED.asString());
    if (declared == 0 || (declared < 0 && !chunked)) {
      return super.handle(request, response, callback);
    }
    if (declared > limits.maxBodyBytes()) {
      tooLarge.incrementAndGet();
      respond(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413,
          "body of " + declared + " bytes exceeds the limit of " + limits.maxBodyBytes());
      return true;
    }
    new BodyReader(request, response, callback, declared).start();
    return true;
  }

  /** One line of text, and the connection closes: the unread rest of the body must not be parsed as a request. */
  private static void respond(Response response, Callback callback, int status, String message) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    Content.Sink.write(response, true, message + "\n", callback);
  }

  @Override
  public void onOpened(Connection connection) {
    if (!(connection instanceof SslConnection) && connection.getEndPoint() instanceof SslConnection.SslEndPoint) {
      return; // the HTTP connection inside TLS: its SslConnection is watched instead
    }
    Scheduler scheduler = getServer().getScheduler();
    scheduler.schedule(() -> closeIfNoRequestYet(connection), limits.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void closeIfNoRequestYet(Connection connection) {
    Connection http = connection instanceof SslConnection ssl ? ssl.getSslEndPoint().getConnection() : connection;
    if (connection.getEndPoint().isOpen() && !served.contains(http)) {
      unansweredConnections.incrementAndGet();
      LOG.debug("closing {}: no request headers within {}", connection.getEndPoint().getRemoteSocketAddress(),
          limits.readTimeout());
      connection.getEndPoint().close();
    }
  }

  /** Copies the body as it arrives (never retaining Jetty's network buffers), from Jetty's demand callbacks. */
  private final class BodyReader implements Runnable {
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final long startedNanos = System.nanoTime();
    private final AtomicBoolean finished = new AtomicBoolean();
    private byte[] bytes;
    private int size;
    private Scheduler.Task deadline;

    BodyReader(Request request, Response response, Callback callback, long declared) {
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.bytes = new byte[declared > 0 ? (int) declared : 16 * 1024];
    }

    void start() {
      deadline = request.getComponents().getScheduler().schedule(() -> fail(HttpStatus.REQUEST_TIMEOUT_408,
          "request body not received within " + limits.readTimeout().toSeconds() + "s", true),
          limits.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
      run();
    }

    @Override
    public void run() {
      while (!finished.get()) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          if (tooSlowSoFar()) {
            fail(HttpStatus.REQUEST_TIMEOUT_408,
                "request body arrives slower than " + limits.minBodyBytesPerSecond() + " bytes/s", true);
          } else {
            request.demand(this);
          }
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          fail(HttpStatus.BAD_REQUEST_400, "cannot read the request body: " + chunk.getFailure().getMessage(), false);
          return;
        }
        ByteBuffer buffer = chunk.getByteBuffer();
        int length = buffer.remaining();
        if ((long) size + length > limits.maxBodyBytes()) {
          chunk.release();
          tooLarge.incrementAndGet();
          fail(HttpStatus.PAYLOAD_TOO_LARGE_413, "body exceeds the limit of " + limits.maxBodyBytes() + " bytes", false);
          return;
        }
        if (size + length > bytes.length) {
          bytes = Arrays.copyOf(bytes, (int) Math.min(limits.maxBodyBytes(), Math.max(size + length, 2L * bytes.length)));
        }
        buffer.get(bytes, size, length);
        size += length;
        boolean last = chunk.isLast();
        chunk.release();
        if (last) {
          complete();
          return;
        }
      }
    }

    private boolean tooSlowSoFar() {
      long elapsed = System.nanoTime() - startedNanos;
      return limits.minBodyBytesPerSecond() > 0 && elapsed > RATE_GRACE_NANOS
          && size * 1_000_000_000L / elapsed < limits.minBodyBytesPerSecond();
    }

    private void fail(int status, String message, boolean slow) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      deadline.cancel();
      if (slow) {
        tooSlow.incrementAndGet();
      }
      LOG.info("refused request from {}: HTTP {} {}", request.getConnectionMetaData().getRemoteSocketAddress(), status,
          message);
      respond(response, callback, status, message);
    }

    private void complete() {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      deadline.cancel();
      Request buffered = new BufferedRequest(request, ByteBuffer.wrap(bytes, 0, size));
      try {
        if (!BufferedBodyHandler.super.handle(buffered, response, callback)) {
          Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
        }
      } catch (Throwable t) {
        Response.writeError(request, response, callback, t);
      }
    }
  }

  /**
   * The body this handler read, for an endpoint that parses it in place (a view of the one copy in memory),
   * or null when the request had no body. Reading the servlet stream as well would copy it again.
   */
  static ByteBuffer bufferedBody(jakarta.servlet.http.HttpServletRequest request) {
    return request.getAttribute(BODY_ATTRIBUTE) instanceof ByteBuffer body ? body.duplicate() : null;
  }

  private static final String BODY_ATTRIBUTE = BufferedBodyHandler.class.getName() + ".body";

  /** The request with its body already in memory: reads never wait. */
  private static final class BufferedRequest extends Request.Wrapper {
    private final ByteBuffer whole;
    private ByteBuffer body;

    BufferedRequest(Request wrapped, ByteBuffer body) {
      super(wrapped);
      this.whole = body;
      this.body = body.duplicate();
    }

    @Override
    public Object getAttribute(String name) {
      return BODY_ATTRIBUTE.equals(name) ? whole : super.getAttribute(name);
    }

    @Override
    public synchronized Content.Chunk read() {
      if (body == null) {
        return Content.Chunk.EOF;
      }
      Content.Chunk chunk = Content.Chunk.from(body, true);
      body = null;
      return chunk;
    }

    @Override
    public void demand(Runnable demandCallback) {
      demandCallback.run();
    }
  }
}
