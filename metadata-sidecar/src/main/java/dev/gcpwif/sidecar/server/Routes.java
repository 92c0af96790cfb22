package dev.gcpwif.sidecar.server;

import dev.gcpwif.sidecar.token.TokenService;
import java.util.concurrent.CompletableFuture;

/**
 * The rules every request to a metadata listener passes, in order (with {@code Metadata-Flavor: Google} on every
 * answer): the Host header, forwarded requests, the flavor header of metadata paths, the method, the probes and the
 * metadata tree. The order matters: a request that is refused must be refused whatever its method or path.
 */
final class Routes {
  static final String FLAVOR = MetadataHandler.FLAVOR;

  private final MetadataHandler metadata;
  private final TokenService tokens;
  private final HostCheck hosts;

  Routes(MetadataHandler metadata, TokenService tokens, HostCheck hosts) {
    this.metadata = metadata;
    this.tokens = tokens;
    this.hosts = hosts;
  }

  /** Complete at once, except a token being fetched (see {@link MetadataHandler#handle}). */
  CompletableFuture<Reply> answer(MetadataRequest request) {
    return unguarded(request).thenApply(reply -> reply.withHeader(FLAVOR, "Google"));
  }

  private CompletableFuture<Reply> unguarded(MetadataRequest request) {
    Reply refused = refusal(request);
    return refused != null ? CompletableFuture.completedFuture(refused) : metadata.handle(request);
  }

  /** The answer when a rule refuses the request or it is a probe; null when it goes to the metadata tree. */
  private Reply refusal(MetadataRequest request) {
    // First: a page in a browser that reached loopback through a rebound name must learn nothing, not even whether
    // the path exists.
    if (!hosts.admits(request.header().apply("Host"))) {
      return HostCheck.refusal();
    }
    // A forwarded request came through a proxy: it must not obtain the pod's identity (same rule as GCE).
    if (request.header().apply("X-Forwarded-For") != null) {
      return Reply.text(403, "Request forbidden: X-Forwarded-For header present.\n");
    }
    if (MetadataHandler.isMetadataPath(request.rawPath()) && !"Google".equals(request.header().apply(FLAVOR))) {
      return Reply.text(403, "Missing required header \"Metadata-Flavor: Google\".\n");
    }
    String method = request.method();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return Reply.text(405, "Method " + method + " not allowed: the metadata server answers GET (and HEAD) only.\n")
          .withHeader("Allow", "GET, HEAD");
    }
    return switch (request.rawPath()) {
      case "/healthz" -> Reply.text(200, "ok\n");
      case "/readyz" -> tokens.ready()
          ? Reply.text(200, "ok\n")
          : Reply.text(503, "not ready: " + tokens.notReadyReason() + "\n");
      default -> null;
    };
  }
}
