package dev.gcpwif.testsupport;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import mockwebserver3.RecordedRequest;

/**
 * What a fake endpoint saw, in the terms tests assert on: the decoded path, the Authorization header and, for a form
 * POST, its fields. Nothing secret is ever logged by the tests.
 */
public record RecordedCall(String method, String path, String query, String authorization, Map<String, String> form,
    String body) {

  public static RecordedCall of(RecordedRequest request) {
    String body = request.getBody() == null ? "" : request.getBody().utf8();
    String path = request.getUrl().encodedPath();
    String contentType = request.getHeaders().get("Content-Type");
    // STS's endpoints take a form whatever a client calls its content type.
    boolean formPost = "POST".equals(request.getMethod()) && (path.equals("/v1/token") || path.equals("/v1/introspect")
        || contentType != null && contentType.startsWith("application/x-www-form-urlencoded"));
    return new RecordedCall(request.getMethod(), URLDecoder.decode(path, StandardCharsets.UTF_8),
        request.getUrl().query(), request.getHeaders().get("Authorization"), formPost ? form(body) : Map.of(), body);
  }

  /** An application/x-www-form-urlencoded body as a map, in the order sent. */
  public static Map<String, String> form(String body) {
    Map<String, String> form = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }
}
