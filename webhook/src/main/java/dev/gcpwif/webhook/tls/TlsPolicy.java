package dev.gcpwif.webhook.tls;

import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The HTTPS listener's protocol versions and cipher suites, from {@code --tls-min-version} and
 * {@code --tls-cipher-suites} with the meaning the Go webhook gives them (Kubernetes component-base names:
 * {@code VersionTLS12}, {@code VersionTLS13}; IANA suite names, comma-separated).
 *
 * <p>Where this differs from Go, it is stricter and says so in {@link #warnings()}: TLS 1.0 and 1.1 are raised to 1.2
 * (RFC 8996 deprecates them and the JDK disables them) instead of refusing to start, so that a Go chart's arguments
 * never stop the webhook. As in Go, the list restricts the TLS 1.2 suites and leaves TLS 1.3 alone unless it names
 * TLS 1.3 suites itself (Go always ignores those; the JDK can honour them).
 */
public final class TlsPolicy {
  public static final TlsPolicy DEFAULTS = new TlsPolicy(List.of("TLSv1.3", "TLSv1.2"), List.of(), List.of());

  private static final String VERSIONS = "expected VersionTLS12 or VersionTLS13";

  private final List<String> protocols;
  /** Empty: Jetty's defaults (the JDK's enabled suites less Jetty's weak-suite exclusions). */
  private final List<String> cipherSuites;
  private final List<String> warnings;

  private TlsPolicy(List<String> protocols, List<String> cipherSuites, List<String> warnings) {
    this.protocols = List.copyOf(protocols);
    this.cipherSuites = List.copyOf(cipherSuites);
    this.warnings = List.copyOf(warnings);
  }

  /**
   * Reads the two flags' values (null or empty: the default); a value that cannot be used throws
   * {@link IllegalArgumentException} with a one-line message naming it and what is expected.
   */
  public static TlsPolicy parse(String minVersion, String cipherSuites) {
    List<String> warnings = new ArrayList<>();
    boolean tls13Only = tls13Only(minVersion, warnings);
    List<String> protocols = tls13Only ? List.of("TLSv1.3") : DEFAULTS.protocols;
    List<String> requested = names(cipherSuites);
    if (requested.isEmpty()) {
      return new TlsPolicy(protocols, List.of(), warnings);
    }
    Set<String> known = new LinkedHashSet<>(GoCipherSuiteNames.NAMES);
    known.addAll(jdkSuites(false));
    List<String> enabled = jdkSuites(true);
    List<String> tls12 = new ArrayList<>();
    List<String> tls13 = new ArrayList<>();
    for (String name : requested) {
      String suite = GoCipherSuiteNames.LEGACY_ALIASES.getOrDefault(name, name);
      if (!known.contains(suite)) {
        throw new IllegalArgumentException("--tls-cipher-suites: unknown cipher suite '" + name
            + "': expected IANA names, comma-separated, e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,"
            + "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (the names kube-apiserver's --tls-cipher-suites takes)");
      }
      if (!enabled.contains(suite)) {
        warnings.add("--tls-cipher-suites: " + name + " is not used: this JVM disables it (jdk.tls.disabledAlgorithms)");
      } else {
        (isTls13(suite) ? tls13 : tls12).add(suite);
      }
    }
    if (tls13Only && tls13.isEmpty()) {
      warnings.add("--tls-cipher-suites=" + cipherSuites + " has no effect: it names no TLS 1.3 suite and "
          + "--tls-min-version=" + minVersion + " allows no TLS 1.2 client");
    }
    if (!tls13Only && tls12.isEmpty()) {
      throw new IllegalArgumentException("--tls-cipher-suites=" + cipherSuites + " leaves TLS 1.2 clients no cipher "
          + "suite this JVM can use: name at least one enabled TLS 1.2 suite (e.g. "
          + "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), or set --tls-min-version=VersionTLS13");
    }
    List<String> suites = new ArrayList<>(tls12);
    suites.addAll(tls13.isEmpty() ? enabled.stream().filter(TlsPolicy::isTls13).toList() : tls13);
    return new TlsPolicy(protocols, suites, warnings);
  }

  private static boolean tls13Only(String minVersion, List<String> warnings) {
    if (minVersion == null || minVersion.isBlank()) {
      return false;
    }
    switch (minVersion.strip()) {
      case "VersionTLS13":
        return true;
      case "VersionTLS12":
        return false;
      case "VersionTLS10", "VersionTLS11":
        warnings.add("--tls-min-version=" + minVersion.strip() + " raised to VersionTLS12: TLS 1.0 and 1.1 are "
            + "never served here (deprecated by RFC 8996, disabled in the JDK)");
        return false;
      default:
        throw new IllegalArgumentException("--tls-min-version: unknown TLS version '" + minVersion + "': " + VERSIONS
            + " (VersionTLS10 and VersionTLS11 are accepted and raised to VersionTLS12)");
    }
  }

  private static List<String> names(String cipherSuites) {
    if (cipherSuites == null) {
      return List.of();
    }
    return Arrays.stream(cipherSuites.split(",")).map(String::strip).filter(name -> !name.isEmpty()).toList();
  }

  /** TLS 1.3 suites name only the AEAD and hash; every earlier one names its key exchange ("_WITH_"). */
  private static boolean isTls13(String suite) {
    return !suite.contains("_WITH_");
  }

  private static List<String> jdkSuites(boolean enabledOnly) {
    try {
      SSLContext context = SSLContext.getDefault();
      SSLParameters parameters = enabledOnly ? context.getDefaultSSLParameters() : context.getSupportedSSLParameters();
      return List.of(parameters.getCipherSuites());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no default TLS context", e);
    }
  }

  /** What to log at start, one line each: values raised or ignored, never silently. */
  public List<String> warnings() {
    return warnings;
  }

  public List<String> protocols() {
    return protocols;
  }

  /** The suites in the order given; empty when the defaults apply. */
  public List<String> cipherSuites() {
    return cipherSuites;
  }

  void applyTo(SslContextFactory.Server factory) {
    factory.setIncludeProtocols(protocols.toArray(String[]::new));
    if (!cipherSuites.isEmpty()) {
      // The user's list is honoured as Go honours it: Jetty's default exclusions (e.g. *_CBC_SHA) would otherwise
      // silently drop suites that were asked for by name.
      factory.setExcludeCipherSuites();
      factory.setIncludeCipherSuites(cipherSuites.toArray(String[]::new));
    } else {
      factory.setIncludeCipherSuites(chachaFirst(jdkSuites(true)).toArray(String[]::new));
    }
  }

  /**
   * The image runs C1 only, and C1 does not use the JDK's AES-GCM intrinsics: encrypting a 5 KB admission answer takes
   * about 150 µs with AES-GCM and 30 µs with ChaCha20-Poly1305 (BENCHMARKS.md, issue 14). The server's order decides,
   * so ChaCha20 first makes every client that offers it (Go's crypto/tls always does) use it.
   */
  static List<String> chachaFirst(List<String> suites) {
    // A stable sort: each group keeps the JDK's order.
    return suites.stream().sorted(Comparator.comparing((String suite) -> !suite.contains("CHACHA20"))).toList();
  }
}
