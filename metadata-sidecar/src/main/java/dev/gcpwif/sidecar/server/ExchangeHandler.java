package dev.gcpwif.sidecar.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Adapts the JDK server's exchanges to {@link Routes}: reads the request, writes the reply, logs the request line. */
final class ExchangeHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ExchangeHandler.class);
  /** A request body is never used; reading this much keeps the connection reusable, more closes it. */
  private static final int BODY_DRAIN_LIMIT = 64 * 1024;

  private final Routes routes;
  private final AtomicInteger inFlight;
  private final Executor deferredReplies;

  /**
   * @param inFlight counts the requests being handled, for a graceful stop
   * @param deferredReplies writes the answers that were not ready when the request was read (a token being fetched)
   */
  ExchangeHandler(Routes routes, AtomicInteger inFlight, Executor deferredReplies) {
    this.routes = routes;
    this.inFlight = inFlight;
    this.deferredReplies = deferredReplies;
  }

  /**
   * Returns as soon as the request is read: a reply that is not ready yet is written (and the exchange closed) when
   * it is, so a client waiting for Google holds its connection but no thread of the server's pool.
   */
  @Override
  public void handle(HttpExchange exchange) {
    long started = System.nanoTime();
    String method = exchange.getRequestMethod();
    URI uri = exchange.getRequestURI();
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    inFlight.incrementAndGet();
    CompletableFuture<Reply> reply;
    try {
      drainBody(exchange);
      reply = answer(exchange, method, path, uri.getRawQuery());
    } catch (IOException clientGone) {
      LOG.debug("{} {}: connection lost: {}", method, path, clientGone.getMessage());
      finish(exchange, method, path, 0, started);
      return;
    }
    if (reply.isDone()) {
      respond(exchange, method, path, started, reply.join());
    } else {
      // Not on the thread that completes the fetch: that one would write every waiter's answer in turn, and one
      // client that does not read could hold up the rest.
      reply.whenCompleteAsync((answer, failure) -> respond(exchange, method, path, started,
          failure == null ? answer : internalError(path, failure)), deferredReplies);
    }
  }

  private void respond(HttpExchange exchange, String method, String path, long started, Reply reply) {
    try {
      write(exchange, reply, method.equals("HEAD"));
    } catch (IOException clientGone) {
      LOG.debug("{} {}: connection lost: {}", method, path, clientGone.getMessage());
    } finally {
      finish(exchange, method, path, reply.status(), started);
    }
  }

  private void finish(HttpExchange exchange, String method, String path, int status, long started) {
    exchange.close();
    inFlight.decrementAndGet();
    if (LOG.isDebugEnabled()) {
      LOG.debug("{} {} -> {} ({} ms)", method, path, status, Math.round((System.nanoTime() - started) / 1e6));
    }
  }

  private CompletableFuture<Reply> answer(HttpExchange exchange, String method, String path, String rawQuery) {
    try {
      // The JDK server has already refused a target that is not a valid URI (400), so every escape here is well-formed.
      Map<String, String> query = QueryString.parse(rawQuery);
      return routes.answer(new MetadataRequest(method, path, rawQuery, query, exchange.getRequestHeaders()::getFirst));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(internalError(path, e));
    }
  }

  private static Reply internalError(String path, Throwable e) {
    // The path without the query: a query never carries a token, but keep the log line to what identifies the route.
    LOG.error("unexpected failure serving {}: {}", path, e.toString());
    return Reply.text(500, "internal error\n").withHeader(Routes.FLAVOR, "Google");
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
