package dev.gcpwif.sidecar.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/** The baseline: the smallest JDK HTTP server answering a token-sized JSON body, as a separate JVM. */
public final class StaticServer {
  public static void main(String[] args) throws Exception {
    serve(Integer.parseInt(args[0]));
  }

  /** The fixed answer on {@code port}, for every path; {@link AuthFloorServer} serves it the same way. */
  static void serve(int port) throws IOException {
    byte[] body = ("{\"access_token\":\"ya29.sa-2\",\"expires_in\":3599,\"token_type\":\"Bearer\"}")
        .getBytes(StandardCharsets.UTF_8);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/", exchange -> {
      exchange.getResponseHeaders().add("Metadata-Flavor", "Google");
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }
}
