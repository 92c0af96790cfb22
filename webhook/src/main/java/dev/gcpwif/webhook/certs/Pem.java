package dev.gcpwif.webhook.certs;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM text for certificates and unencrypted PKCS#8 EC keys, with the JDK alone. */
public final class Pem {

  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private Pem() {}

  public static String encodeCertificates(List<X509Certificate> certificates) {
    StringBuilder pem = new StringBuilder();
    for (X509Certificate certificate : certificates) {
      try {
        pem.append(block("CERTIFICATE", certificate.getEncoded()));
      } catch (CertificateException e) {
        throw new IllegalStateException("cannot encode certificate " + certificate.getSubjectX500Principal(), e);
      }
    }
    return pem.toString();
  }

  public static String encodePrivateKey(PrivateKey key) {
    if (!"PKCS#8".equals(key.getFormat())) {
      throw new IllegalArgumentException("expected a PKCS#8-encodable key, got format " + key.getFormat());
    }
    return block("PRIVATE KEY", key.getEncoded());
  }

  /** Every certificate in {@code pem}, in order; empty text gives an empty list. */
  public static List<X509Certificate> decodeCertificates(String pem) throws CertificateException {
    List<X509Certificate> certificates = new ArrayList<>();
    if (pem.isBlank()) {
      return certificates;
    }
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    for (var certificate : factory.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
      certificates.add((X509Certificate) certificate);
    }
    return certificates;
  }

  public static X509Certificate decodeCertificate(String pem) throws CertificateException {
    List<X509Certificate> certificates = decodeCertificates(pem);
    if (certificates.size() != 1) {
      throw new CertificateException("expected exactly one certificate, found " + certificates.size());
    }
    return certificates.get(0);
  }

  /** An unencrypted PKCS#8 EC key ({@code BEGIN PRIVATE KEY}), the only form this package writes. */
  public static PrivateKey decodeEcPrivateKey(String pem) throws GeneralSecurityException {
    Matcher matcher = PRIVATE_KEY.matcher(pem);
    if (!matcher.find()) {
      throw new GeneralSecurityException("expected a \"-----BEGIN PRIVATE KEY-----\" (PKCS#8) block");
    }
    byte[] der = Base64.getMimeDecoder().decode(matcher.group(1));
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
  }

  private static String block(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
