package dev.gcpwif.sidecar.server;

import com.google.gson.JsonObject;
import dev.gcpwif.sidecar.metadata.MetadataNode;
import dev.gcpwif.sidecar.metadata.MetadataNode.Directory;
import dev.gcpwif.sidecar.metadata.MetadataNode.Dynamic;
import dev.gcpwif.sidecar.metadata.MetadataTree;
import dev.gcpwif.sidecar.metadata.Rendering;
import dev.gcpwif.sidecar.token.TokenService;
import dev.gcpwif.sidecar.token.TokenUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Serves the GCE metadata paths with the guards real metadata servers apply. */
public final class MetadataHandler {
  static final String FLAVOR = "Metadata-Flavor";
  private static final String METADATA_PREFIX = "/computeMetadata";
  static final Reply NOT_FOUND = Reply.text(404, "Not Found\n");

  private final MetadataTree tree;
  private final TokenService tokens;
  private final Clock clock;

  public MetadataHandler(MetadataTree tree, TokenService tokens, Clock clock) {
    this.tree = tree;
    this.tokens = tokens;
    this.clock = clock;
  }

  /** True for the paths real metadata servers guard with the {@code Metadata-Flavor: Google} request header. */
  static boolean isMetadataPath(String rawPath) {
    return rawPath.equals(METADATA_PREFIX) || rawPath.startsWith(METADATA_PREFIX + "/");
  }

  /**
   * Answers a GET (or HEAD) of a path whose Metadata-Flavor header was already checked. Every answer is complete
   * at once except a token that is being fetched: that one completes when the fetch does, on the fetch's thread, so
   * a client waiting for Google holds no request thread.
   */
  CompletableFuture<Reply> handle(MetadataRequest request) {
    String path = request.rawPath();
    // An empty segment ("//") is not a name in the tree; the tree would skip it, so refuse it here.
    if (!path.startsWith("/") || path.contains("//")) {
      return done(NOT_FOUND);
    }
    Optional<MetadataNode> found = tree.find(path);
    if (found.isEmpty()) {
      return done(NOT_FOUND);
    }
    MetadataNode node = found.get();
    boolean slash = path.endsWith("/");
    if (node instanceof Directory && !slash) {
      String query = request.rawQuery();
      return done(Reply.text(301, "Moved Permanently\n")
          .withHeader("Location", path + "/" + (query == null ? "" : "?" + query)));
    }
    if (!(node instanceof Directory) && slash) {
      return done(NOT_FOUND);
    }
    String alt = request.queryParam("alt");
    if (alt != null && !alt.equals("json") && !alt.equals("text")) {
      return done(Reply.text(400, "Invalid value for alt: '" + alt + "'; expected 'json' or 'text'.\n"));
    }
    if (node instanceof Dynamic dynamic) {
      return dynamic.kind() == Dynamic.Kind.TOKEN ? token(request) : identity(request);
    }
    Rendering.Body body = Rendering.render(node, "true".equalsIgnoreCase(request.queryParam("recursive")), alt);
    return done(Reply.of(200, body.contentType(), body.content()));
  }

  private static CompletableFuture<Reply> done(Reply reply) {
    return CompletableFuture.completedFuture(reply);
  }

  private CompletableFuture<Reply> token(MetadataRequest request) {
    List<String> scopes = scopes(request.queryParam("scopes"));
    return tokens.accessToken(scopes).handle((token, failure) -> {
      if (failure != null) {
        return Reply.text(503, reason(failure) + "\n");
      }
      JsonObject json = new JsonObject();
      json.addProperty("access_token", token.value());
      json.addProperty("expires_in", Math.max(0, Duration.between(clock.instant(), token.expiresAt()).toSeconds()));
      json.addProperty("token_type", "Bearer");
      return Reply.of(200, Rendering.JSON, json.toString());
    });
  }

  /** gcloud asks for an ID token on every credential refresh and tolerates only 404 when none can be minted. */
  private CompletableFuture<Reply> identity(MetadataRequest request) {
    String audience = request.queryParam("audience");
    if (audience == null || audience.isBlank()) {
      return done(Reply.text(400, "non-empty audience parameter required\n"));
    }
    String format = request.queryParam("format");
    if (format != null && !format.equals("standard") && !format.equals("full")) {
      return done(Reply.text(400, "Invalid value for format: '" + format + "'; expected 'standard' or 'full'.\n"));
    }
    if (!tokens.canMintIdTokens()) {
      return done(Reply.text(404, "No service account to mint ID tokens for: the credential configuration uses direct "
          + "federated access (no service_account_impersonation_url).\n"));
    }
    return tokens.idToken(audience).handle((token, failure) -> failure != null
        ? Reply.text(404, reason(failure) + "\n")
        : Reply.of(200, Rendering.TEXT, token.value()));
  }

  /** The token caches fail with a {@link TokenUnavailableException} whose message is meant for the client. */
  private static String reason(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof TokenUnavailableException) {
      return cause.getMessage();
    }
    throw new CompletionException(cause);
  }

  static List<String> scopes(String parameter) {
    if (parameter == null) {
      return List.of();
    }
    return Arrays.stream(parameter.split("[,\\s]+")).filter(s -> !s.isEmpty()).distinct().sorted().toList();
  }
}
