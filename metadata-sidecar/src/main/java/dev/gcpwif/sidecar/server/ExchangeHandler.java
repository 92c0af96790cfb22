package dev.gcpwif.sidecar.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adapts the JDK server's exchanges to {@link Routes}: reads the request, writes the reply, logs the request line.
 *
 * <p>Two stages on two pools. The JDK server reads a request head on a thread of its executor (the readers), blocking,
 * for as long as the client takes within the server's request deadline; this handler then reads any body on that
 * same thread and hands the complete request to the workers, which answer it (possibly waiting for a token) and write
 * the reply. So a slow client holds a reader, of which there are as many as connections, never one of the few workers,
 * and a burst of clients waiting on one token fetch queues for the workers instead of adding threads.
 */
final class ExchangeHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ExchangeHandler.class);
  /** A request body is never used; reading this much keeps the connection reusable, more closes it. */
  private static final int BODY_DRAIN_LIMIT = 64 * 1024;

  private final Routes routes;
  private final Executor workers;
  private final AtomicInteger inFlight;

  /** @param inFlight counts the requests being handled, for a graceful stop */
  ExchangeHandler(Routes routes, Executor workers, AtomicInteger inFlight) {
    this.routes = routes;
    this.workers = workers;
    this.inFlight = inFlight;
  }

  /** On a reader thread, once the head is in. */
  @Override
  public void handle(HttpExchange exchange) {
    long started = System.nanoTime();
    inFlight.incrementAndGet();
    try {
      drainBody(exchange);
    } catch (IOException clientGone) {
      LOG.debug("{} {}: connection lost: {}", exchange.getRequestMethod(), rawPath(exchange), clientGone.getMessage());
      exchange.close();
      inFlight.decrementAndGet();
      return;
    }
    try {
      workers.execute(() -> respond(exchange, started, null));
    } catch (RejectedExecutionException full) {
      respond(exchange, started, Reply.text(503, "metadata server busy: too many requests queued; retry\n")
          .withHeader(Routes.FLAVOR, "Google"));
    }
  }

  private void respond(HttpExchange exchange, long started, Reply given) {
    String method = exchange.getRequestMethod();
    URI uri = exchange.getRequestURI();
    String path = rawPath(exchange);
    int status = 0;
    try {
      Reply reply = given != null ? given : answer(exchange, method, path, uri.getRawQuery());
      status = reply.status();
      write(exchange, reply, method.equals("HEAD"));
    } catch (IOException clientGone) {
      LOG.debug("{} {}: connection lost: {}", method, path, clientGone.getMessage());
    } finally {
      exchange.close();
      inFlight.decrementAndGet();
      if (LOG.isDebugEnabled()) {
        LOG.debug("{} {} -> {} ({} ms)", method, path, status, Math.round((System.nanoTime() - started) / 1e6));
      }
    }
  }

  private Reply answer(HttpExchange exchange, String method, String path, String rawQuery) {
    try {
      // The JDK server has already refused a target that is not a valid URI (400), so every escape here is well-formed.
      Map<String, String> query = QueryString.parse(rawQuery);
      return routes.answer(new MetadataRequest(method, path, rawQuery, query, exchange.getRequestHeaders()::getFirst));
    } catch (RuntimeException e) {
      // The path without the query: a query never carries a token, but keep the log line to what identifies the route.
      LOG.error("unexpected failure serving {}: {}", path, e.toString());
      return Reply.text(500, "internal error\n").withHeader(Routes.FLAVOR, "Google");
    }
  }

  private static String rawPath(HttpExchange exchange) {
    String path = exchange.getRequestURI().getRawPath();
    return path == null ? "" : path;
  }

  private static void drainBody(HttpExchange exchange) throws IOException {
    InputStream body = exchange.getRequestBody();
    byte[] buffer = new byte[4096];
    long read = 0;
    int n;
    while (read < BODY_DRAIN_LIMIT && (n = body.read(buffer)) >= 0) {
      read += n;
    }
  }

  private static void write(HttpExchange exchange, Reply reply, boolean head) throws IOException {
    var headers = exchange.getResponseHeaders();
    headers.set("Content-Type", reply.contentType());
    reply.headers().forEach(headers::set);
    byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
    if (head || body.length == 0) {
      exchange.sendResponseHeaders(reply.status(), -1); // -1: no body; 0 would mean chunked
      return;
    }
    exchange.sendResponseHeaders(reply.status(), body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
