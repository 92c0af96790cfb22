package dev.gcpwif.webhook.tls;

import java.util.Map;
import java.util.Set;

/**
 * The cipher suite names the Go webhook's {@code --tls-cipher-suites} accepts (Kubernetes component-base
 * {@code cliflag.TLSCipherSuites}: every suite Go's crypto/tls implements, secure or not), so that a value written for
 * it is never an unknown name here. They are IANA names, as the JDK's are, except two legacy spellings Kubernetes still
 * accepts; a few (RC4, 3DES) are names the JDK disables or spells differently, which {@link TlsPolicy} then reports
 * as not usable rather than unknown.
 */
final class GoCipherSuiteNames {
  /** component-base keeps these short names "for backward compatibility"; they mean the IANA {@code _SHA256} suites. */
  static final Map<String, String> LEGACY_ALIASES = Map.of(
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");

  static final Set<String> NAMES = Set.of(
      // TLS 1.3 (Go ignores them in its list; see TlsPolicy)
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
      // crypto/tls CipherSuites()
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      // crypto/tls InsecureCipherSuites()
      "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA",
      "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
      "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256");

  private GoCipherSuiteNames() {}
}
