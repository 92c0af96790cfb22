package dev.gcpwif.sidecar.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** HTTP/1.1 over a plain socket, for what a client library hides: keep-alive, HEAD framing, closed connections. */
public final class RawHttp {
  private RawHttp() {}

  /** A loopback connection whose reads give up after 10 s. */
  public static Socket connect(int port) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(10_000);
    return socket;
  }

  public record Response(String statusLine, String head, String body) {}

  /**
   * Reads one response; {@code head}: the request was HEAD, so no body follows whatever Content-Length says.
   *
   * @throws IOException also when the server closed the connection before a whole header block
   */
  public static Response read(InputStream in, boolean head) throws IOException {
    ByteArrayOutputStream headBytes = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed after: " + headBytes);
      }
      headBytes.write(c);
      matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
    }
    String text = headBytes.toString(StandardCharsets.US_ASCII);
    int length = 0;
    for (String line : text.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    String body = head ? "" : new String(in.readNBytes(length), StandardCharsets.UTF_8);
    return new Response(text.substring(0, text.indexOf("\r\n")), text, body);
  }
}
