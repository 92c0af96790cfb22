package dev.gcpwif.webhook.certs;

import dev.gcpwif.webhook.tls.Pem;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The CA, the CAs it replaced that are still trusted, and the serving pair: the content of the shared Secret.
 *
 * <p>Secret layout (type {@code kubernetes.io/tls}, so tools that understand TLS Secrets read it as usual):
 * {@code tls.crt}/{@code tls.key} the serving pair, {@code ca.crt}/{@code ca.key} the current CA, and
 * {@code ca-retired.crt} the previous CA while it is still valid. One Secret, not two: the CA key is trusted by this
 * one webhook configuration only, so it grants nothing the serving key does not already grant (impersonating the
 * webhook to the API server), and a single object changes atomically under one resourceVersion.
 */
public record TlsBundle(CertifiedKey authority, List<X509Certificate> retiredAuthorities, CertifiedKey serving) {

  public static final String TLS_CRT = "tls.crt";
  public static final String TLS_KEY = "tls.key";
  public static final String CA_CRT = "ca.crt";
  public static final String CA_KEY = "ca.key";
  public static final String RETIRED_CA_CRT = "ca-retired.crt";

  public TlsBundle {
    Objects.requireNonNull(authority, "authority");
    Objects.requireNonNull(serving, "serving");
    retiredAuthorities = List.copyOf(retiredAuthorities);
  }

  /** The CAs the API server must trust: the current one first, then the retired ones. */
  public List<X509Certificate> trustedAuthorities() {
    List<X509Certificate> trusted = new ArrayList<>();
    trusted.add(authority.certificate());
    trusted.addAll(retiredAuthorities);
    return trusted;
  }

  /** The {@code caBundle} value: the trusted CAs as PEM, base64-encoded as the API expects. */
  public String caBundleBase64() {
    return base64(Pem.encodeCertificates(trustedAuthorities()));
  }

  public String servingCertificatePem() {
    return Pem.encodeCertificates(List.of(serving.certificate()));
  }

  public String servingKeyPem() {
    return Pem.encodePrivateKey(serving.privateKey());
  }

  /** Secret {@code data}: base64 values. */
  public Map<String, String> toSecretData() {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(TLS_CRT, base64(servingCertificatePem()));
    data.put(TLS_KEY, base64(servingKeyPem()));
    data.put(CA_CRT, base64(Pem.encodeCertificates(List.of(authority.certificate()))));
    data.put(CA_KEY, base64(Pem.encodePrivateKey(authority.privateKey())));
    if (!retiredAuthorities.isEmpty()) {
      data.put(RETIRED_CA_CRT, base64(Pem.encodeCertificates(retiredAuthorities)));
    }
    return data;
  }

  /**
   * Reads Secret {@code data}.
   *
   * @throws UnusableSecretException naming the missing or unreadable key, when the Secret was not written by this
   *     class (e.g. a cert-manager Secret, which has no CA key) or was edited by hand
   */
  public static TlsBundle fromSecretData(Map<String, String> data) throws UnusableSecretException {
    Map<String, String> values = data == null ? Map.of() : data;
    CertifiedKey authority = new CertifiedKey(single(certificates(values, CA_CRT), CA_CRT), privateKey(values, CA_KEY));
    CertifiedKey serving = new CertifiedKey(single(certificates(values, TLS_CRT), TLS_CRT), privateKey(values, TLS_KEY));
    List<X509Certificate> retired = values.containsKey(RETIRED_CA_CRT)
        ? certificates(values, RETIRED_CA_CRT)
        : List.of();
    return new TlsBundle(authority, retired, serving);
  }

  private static List<X509Certificate> certificates(Map<String, String> data, String key)
      throws UnusableSecretException {
    try {
      return Pem.decodeCertificates(text(data, key));
    } catch (Pem.FormatException e) {
      throw new UnusableSecretException("\"" + key + "\" is not PEM certificates: " + e.getMessage());
    }
  }

  private static X509Certificate single(List<X509Certificate> certificates, String key)
      throws UnusableSecretException {
    if (certificates.size() != 1) {
      throw new UnusableSecretException("\"" + key + "\" holds " + certificates.size() + " certificates, expected 1");
    }
    return certificates.get(0);
  }

  /** An EC key, as this class writes them (PKCS#8); one edited into another encoding of the same key is read too. */
  private static PrivateKey privateKey(Map<String, String> data, String key)
      throws UnusableSecretException {
    PrivateKey privateKey;
    try {
      privateKey = Pem.decodePrivateKey(text(data, key));
    } catch (Pem.FormatException e) {
      throw new UnusableSecretException("\"" + key + "\" is not a PKCS#8 EC private key: " + e.getMessage());
    }
    if (!privateKey.getAlgorithm().equals("EC")) {
      throw new UnusableSecretException("\"" + key + "\" is not a PKCS#8 EC private key: it is an "
          + privateKey.getAlgorithm() + " key");
    }
    return privateKey;
  }

  private static String text(Map<String, String> data, String key) throws UnusableSecretException {
    String value = data.get(key);
    if (value == null || value.isEmpty()) {
      throw new UnusableSecretException("it has no \"" + key + "\"");
    }
    try {
      return new String(Base64.getDecoder().decode(value), StandardCharsets.US_ASCII);
    } catch (IllegalArgumentException e) {
      throw new UnusableSecretException("\"" + key + "\" is not base64");
    }
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
  }

  /** The Secret exists but does not hold a bundle this class can use. */
  public static final class UnusableSecretException extends Exception {
    public UnusableSecretException(String reason) {
      super(reason);
    }
  }
}
