package dev.gcpwif.sidecar.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A loopback HOST:PORT the sidecar listens on. Anything else would hand the pod's identity to the network.
 *
 * @param host the address, numeric
 * @param name the host as given (a name or an address, without brackets): clients may send it in {@code Host}
 */
public record ListenAddress(String host, int port, String name) {

  public static ListenAddress parse(String text) throws ConfigException {
    String value = text == null ? "" : text.trim();
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new ConfigException("--listen '" + text + "': expected HOST:PORT on loopback, e.g. 127.0.0.1:8988");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new ConfigException("--listen '" + text + "': port must be a number between 0 and 65535");
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException("--listen '" + text + "': port must be a number between 0 and 65535");
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new ConfigException("--listen '" + text + "': cannot resolve host '" + host + "'");
    }
    if (!address.isLoopbackAddress()) {
      throw new ConfigException("--listen '" + text + "': refusing non-loopback address " + address.getHostAddress()
          + "; the metadata endpoint must only be reachable from inside the pod (use 127.0.0.1)");
    }
    return new ListenAddress(address.getHostAddress(), port, host);
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
