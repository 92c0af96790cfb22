package dev.gcpwif.sidecar.server;

import com.google.gson.JsonObject;
import dev.gcpwif.sidecar.metadata.MetadataNode;
import dev.gcpwif.sidecar.metadata.MetadataNode.Directory;
import dev.gcpwif.sidecar.metadata.MetadataNode.Dynamic;
import dev.gcpwif.sidecar.metadata.MetadataTree;
import dev.gcpwif.sidecar.metadata.Rendering;
import dev.gcpwif.sidecar.token.CachedToken;
import dev.gcpwif.sidecar.token.TokenUnavailableException;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Serves the GCE metadata paths with the guards real metadata servers apply. */
public final class MetadataHandler {
  static final String FLAVOR = "Metadata-Flavor";
  private static final String METADATA_PREFIX = "/computeMetadata";

  private final MetadataTree tree;
  private final TokenService tokens;
  private final Clock clock;

  public MetadataHandler(MetadataTree tree, TokenService tokens, Clock clock) {
    this.tree = tree;
    this.tokens = tokens;
    this.clock = clock;
  }

  public void handle(Context ctx) {
    String path = ctx.path();
    if (path.equals(METADATA_PREFIX) || path.startsWith(METADATA_PREFIX + "/")) {
      if (!"Google".equals(ctx.header(FLAVOR))) {
        text(ctx, 403, "Missing required header \"Metadata-Flavor: Google\".\n");
        return;
      }
    }
    Optional<MetadataNode> found = tree.find(path);
    if (found.isEmpty()) {
      text(ctx, 404, "Not Found\n");
      return;
    }
    MetadataNode node = found.get();
    boolean slash = path.endsWith("/");
    if (node instanceof Directory && !slash) {
      String query = ctx.queryString();
      ctx.header("Location", path + "/" + (query == null ? "" : "?" + query));
      text(ctx, 301, "Moved Permanently\n");
      return;
    }
    if (!(node instanceof Directory) && slash) {
      text(ctx, 404, "Not Found\n");
      return;
    }
    String alt = ctx.queryParam("alt");
    if (alt != null && !alt.equals("json") && !alt.equals("text")) {
      text(ctx, 400, "Invalid value for alt: '" + alt + "'; expected 'json' or 'text'.\n");
      return;
    }
    if (node instanceof Dynamic dynamic) {
      if (dynamic.kind() == Dynamic.Kind.TOKEN) {
        token(ctx);
      } else {
        identity(ctx);
      }
      return;
    }
    Rendering.Body body = Rendering.render(node, "true".equalsIgnoreCase(ctx.queryParam("recursive")), alt);
    ctx.status(200).contentType(body.contentType()).result(body.content());
  }

  private void token(Context ctx) {
    List<String> scopes = scopes(ctx.queryParam("scopes"));
    CachedToken token;
    try {
      token = tokens.accessToken(scopes);
    } catch (TokenUnavailableException e) {
      text(ctx, 503, e.getMessage() + "\n");
      return;
    }
    JsonObject json = new JsonObject();
    json.addProperty("access_token", token.value());
    json.addProperty("expires_in", Math.max(0, Duration.between(clock.instant(), token.expiresAt()).toSeconds()));
    json.addProperty("token_type", "Bearer");
    ctx.status(200).contentType(Rendering.JSON).result(json.toString());
  }

  /** gcloud asks for an ID token on every credential refresh and tolerates only 404 when none can be minted. */
  private void identity(Context ctx) {
    String audience = ctx.queryParam("audience");
    if (audience == null || audience.isBlank()) {
      text(ctx, 400, "non-empty audience parameter required\n");
      return;
    }
    String format = ctx.queryParam("format");
    if (format != null && !format.equals("standard") && !format.equals("full")) {
      text(ctx, 400, "Invalid value for format: '" + format + "'; expected 'standard' or 'full'.\n");
      return;
    }
    if (!tokens.canMintIdTokens()) {
      text(ctx, 404, "No service account to mint ID tokens for: the credential configuration uses direct federated "
          + "access (no service_account_impersonation_url).\n");
      return;
    }
    try {
      ctx.status(200).contentType(Rendering.TEXT).result(tokens.idToken(audience).value());
    } catch (TokenUnavailableException e) {
      text(ctx, 404, e.getMessage() + "\n");
    }
  }

  static List<String> scopes(String parameter) {
    if (parameter == null) {
      return List.of();
    }
    return Arrays.stream(parameter.split("[,\\s]+")).filter(s -> !s.isEmpty()).distinct().sorted().toList();
  }

  static void text(Context ctx, int status, String body) {
    ctx.status(status).contentType(Rendering.TEXT).result(body);
  }
}
