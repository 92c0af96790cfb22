package dev.gcpwif.sidecar.server;

import dev.gcpwif.sidecar.metadata.Rendering;
import java.util.LinkedHashMap;
import java.util.Map;

/** What one request is answered with; written by {@link ExchangeHandler}, which leaves out the body for HEAD. */
record Reply(int status, String contentType, String body, Map<String, String> headers) {

  static Reply text(int status, String body) {
    return new Reply(status, Rendering.TEXT, body, Map.of());
  }

  static Reply of(int status, String contentType, String body) {
    return new Reply(status, contentType, body, Map.of());
  }

  Reply withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Reply(status, contentType, body, Map.copyOf(more));
  }
}
