package dev.gcpwif.sidecar.server;

import java.util.Map;
import java.util.function.Function;

/**
 * One request as the routing rules see it. The path is the raw (still percent-encoded) path of the request target:
 * routes match it exactly, so an encoded slash or dot segment is just an unknown name, never a way to another path.
 *
 * @param query the query parameters, decoded; the first value of a repeated name
 * @param header the first value of a request header, by case-insensitive name; null when absent
 */
record MetadataRequest(String method, String rawPath, String rawQuery, Map<String, String> query,
    Function<String, String> header) {

  String queryParam(String name) {
    return query.get(name);
  }
}
