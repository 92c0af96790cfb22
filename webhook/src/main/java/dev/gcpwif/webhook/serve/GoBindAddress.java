package dev.gcpwif.webhook.serve;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A listen address as controller-runtime takes it in {@code --metrics-bind-address} and
 * {@code --health-probe-bind-address}: {@code HOST:PORT}, where an empty host ({@code :8080}) means every interface
 * (as Go's {@code net.Listen} does), an IPv6 host is bracketed ({@code [::1]:8081}), and {@code 0} disables the
 * listener.
 *
 * @param host the interface to bind, or null for every interface
 * @param port 0 picks a free port, as in Go
 */
public record GoBindAddress(String host, int port) {
  private static final Pattern PORT = Pattern.compile("\\d{1,5}");

  /**
   * Empty when the listener is off: the flag not given (null or blank) or {@code 0}. A value of another form throws
   * {@link IllegalArgumentException} with a one-line message naming the flag, the value and what is expected.
   */
  public static Optional<GoBindAddress> parse(String flag, String value) {
    if (value == null || value.isBlank() || value.strip().equals("0")) {
      return Optional.empty();
    }
    String text = value.strip();
    int colon = text.lastIndexOf(':');
    String host = colon < 0 ? null : text.substring(0, colon);
    String port = colon < 0 ? "" : text.substring(colon + 1);
    if (host != null && host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host != null && host.contains(":")) {
      host = null; // an unbracketed IPv6 address: Go refuses it as "too many colons"
    }
    if (host == null || host.contains("[") || host.contains("]") || !PORT.matcher(port).matches()
        || Integer.parseInt(port) > 65535) {
      throw new IllegalArgumentException(flag + "=" + value + ": expected HOST:PORT as the Go webhook takes it (:8080 "
          + "for every interface, 127.0.0.1:8080, [::1]:8080), or 0 to disable");
    }
    return Optional.of(new GoBindAddress(host.isEmpty() ? null : host, Integer.parseInt(port)));
  }

  /** As the user wrote it, for logs and errors. */
  public String display(int boundPort) {
    String shown = host == null ? "" : host.contains(":") ? "[" + host + "]" : host;
    return shown + ":" + boundPort;
  }
}
