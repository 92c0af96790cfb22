package dev.gcpwif.sidecar.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Outermost handler: a request that arrived on the probe connector (bound to every interface so that the kubelet can
 * reach it at the pod IP) gets through only as {@code GET /healthz} or {@code GET /readyz}; anything else is answered
 * 404 here, before the metadata routes could see it. Exact matches only, so no encoding or dot-segment trick reaches
 * a token from the network.
 */
final class HealthOnlyGate extends Handler.Wrapper {
  static final String CONNECTOR_NAME = "health-probes";
  private static final Set<String> PROBE_PATHS = Set.of("/healthz", "/readyz");
  private static final byte[] NOT_FOUND = "Not Found\n".getBytes(StandardCharsets.UTF_8);

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    boolean probeConnector = CONNECTOR_NAME.equals(request.getConnectionMetaData().getConnector().getName());
    if (probeConnector && !("GET".equals(request.getMethod()) && PROBE_PATHS.contains(request.getHttpURI().getPath()))) {
      response.setStatus(404);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
      response.write(true, ByteBuffer.wrap(NOT_FOUND), callback);
      return true;
    }
    return super.handle(request, response, callback);
  }
}
