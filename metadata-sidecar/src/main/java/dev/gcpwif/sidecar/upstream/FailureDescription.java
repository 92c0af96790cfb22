package dev.gcpwif.sidecar.upstream;

import com.google.api.client.http.HttpResponseException;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Turns a failure of google-auth talking to STS or IAM Credentials into one short line for clients and logs: which
 * endpoint, what it answered and Google's own error message. Never a stack trace, never a response that could carry a
 * token.
 */
public final class FailureDescription {
  private static final Pattern ENDPOINT = Pattern.compile("(?:GET|POST) https?://([^/\\s]+)(/\\S*?)?(?:\\?|\\s|$)");
  private static final int MAX_LENGTH = 300;

  private FailureDescription() {}

  public static String of(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof HttpResponseException http) {
        return clip(endpoint(http) + " answered HTTP " + http.getStatusCode()
            + googleMessage(http.getContent()).map(m -> ": " + m).orElse(""));
      }
      if (cause instanceof SocketTimeoutException || cause instanceof java.net.SocketException
          || cause instanceof SSLException) {
        // UrlConnectionTransport's messages name the Google host and what went wrong
        return clip(cause.getMessage());
      }
      if (cause instanceof UnknownHostException) {
        return clip("cannot resolve " + cause.getMessage());
      }
      if (cause instanceof com.google.gson.JsonParseException
          || cause instanceof com.google.gson.stream.MalformedJsonException) {
        return "Google answered with malformed JSON";
      }
    }
    // google-auth's own exceptions (STS errors as OAuthException, a missing subject token file, a response it could
    // not parse) carry a readable message; the outermost one names the step.
    StringBuilder message = new StringBuilder();
    for (Throwable cause = failure; cause != null && message.length() < MAX_LENGTH; cause = cause.getCause()) {
      String text = cause.getMessage();
      if (text != null && !text.isBlank() && message.indexOf(text) < 0) {
        message.append(message.length() == 0 ? "" : ": ").append(text);
      }
    }
    return clip(message.length() == 0 ? failure.getClass().getSimpleName() : message.toString());
  }

  private static String endpoint(HttpResponseException http) {
    Matcher m = ENDPOINT.matcher(String.valueOf(http.getMessage()));
    if (!m.find()) {
      return "Google";
    }
    String path = m.group(2) == null ? "" : m.group(2);
    String method = path.contains(":") ? " " + path.substring(path.lastIndexOf(':') + 1) : "";
    return m.group(1) + method;
  }

  /** Google's error bodies: {"error":{"message":..}} (IAM) or {"error":"..","error_description":".."} (STS). */
  static Optional<String> googleMessage(String content) {
    if (content == null || content.isBlank()) {
      return Optional.empty();
    }
    try {
      JsonElement parsed = JsonParser.parseString(content);
      if (parsed.isJsonObject()) {
        JsonObject body = parsed.getAsJsonObject();
        JsonElement error = body.get("error");
        if (error != null && error.isJsonObject() && error.getAsJsonObject().has("message")) {
          JsonObject details = error.getAsJsonObject();
          String status = details.has("status") ? details.get("status").getAsString() + ": " : "";
          return Optional.of(status + details.get("message").getAsString());
        }
        if (error != null && error.isJsonPrimitive()) {
          String description = body.has("error_description") ? ": " + body.get("error_description").getAsString() : "";
          return Optional.of(error.getAsString() + description);
        }
      }
    } catch (RuntimeException notJson) {
      // fall through: a proxy's HTML page or similar is not worth echoing
    }
    return Optional.of("(non-JSON body)");
  }

  private static String clip(String text) {
    String oneLine = text.replaceAll("\\s+", " ").trim();
    return oneLine.length() <= MAX_LENGTH ? oneLine : oneLine.substring(0, MAX_LENGTH) + "...";
  }
}
