package dev.gcpwif.sidecar.server;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The DNS-rebinding defence: a web page the pod's user opens in a browser can make the browser connect to 127.0.0.1
 * under the page's own host name (a name whose DNS answer switches to 127.0.0.1), and read the answers, token included,
 * as same-origin. The browser then sends that name in {@code Host}. So only the names this server really has are
 * served: loopback addresses, {@code localhost}, the metadata server's names ({@code metadata},
 * {@code metadata.google.internal}, and its address 169.254.169.254, which cannot be rebound either), and the hosts given
 * to {@code --listen}, each with or without a port. The check is on the text alone: no name is ever looked up.
 *
 * <p>A request without {@code Host} (HTTP/1.0 tools) is served: browsers always send one, so its absence is no
 * rebinding, and every real client sends one anyway (gcloud and gsutil send {@code GCE_METADATA_ROOT}'s value).
 */
final class HostCheck {
  private static final Set<String> WELL_KNOWN = Set.of("localhost", "metadata", "metadata.google.internal",
      "169.254.169.254", "::1", "0:0:0:0:0:0:0:1");
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  private static final Pattern PORT = Pattern.compile("\\d{1,5}");

  private final Set<String> names;

  /** @param listenNames the hosts of {@code --listen} as given (names or addresses, without brackets) */
  HostCheck(Set<String> listenNames) {
    Set<String> all = new HashSet<>(WELL_KNOWN);
    listenNames.forEach(name -> all.add(name.toLowerCase(Locale.ROOT)));
    this.names = Set.copyOf(all);
  }

  /** @param host the request's Host header, null when absent */
  boolean admits(String host) {
    if (host == null || host.isBlank()) {
      return true;
    }
    String name = withoutPort(host.trim().toLowerCase(Locale.ROOT));
    if (name == null) {
      return false;
    }
    if (name.endsWith(".") && !name.endsWith("..")) {
      name = name.substring(0, name.length() - 1); // the fully qualified form names the same host
    }
    return names.contains(name) || isLoopbackIpv4(name);
  }

  /** The host part of {@code host[:port]} or {@code [v6][:port]}; null when the text is neither. */
  private static String withoutPort(String host) {
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      if (close < 0) {
        return null;
      }
      String rest = host.substring(close + 1);
      if (!rest.isEmpty() && !(rest.startsWith(":") && PORT.matcher(rest.substring(1)).matches())) {
        return null;
      }
      return host.substring(1, close);
    }
    int colon = host.indexOf(':');
    if (colon < 0) {
      return host;
    }
    if (host.indexOf(':', colon + 1) >= 0 || !PORT.matcher(host.substring(colon + 1)).matches()) {
      return null;
    }
    return host.substring(0, colon);
  }

  /** 127.0.0.0/8, written as a plain dotted quad (what clients send; no octal or short forms). */
  private static boolean isLoopbackIpv4(String name) {
    Matcher m = IPV4.matcher(name);
    if (!m.matches() || !m.group(1).equals("127")) {
      return false;
    }
    for (int i = 2; i <= 4; i++) {
      if (Integer.parseInt(m.group(i)) > 255) {
        return false;
      }
    }
    return true;
  }

  static Reply refusal() {
    return Reply.text(403, "Request forbidden: the Host header names another server (DNS rebinding defence); "
        + "address this server as 127.0.0.1, localhost or metadata.google.internal.\n");
  }
}
