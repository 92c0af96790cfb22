package dev.gcpwif.webhook.certs;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;

/** A certificate and the private key of its public key. */
public record CertifiedKey(X509Certificate certificate, PrivateKey privateKey) {

  public CertifiedKey {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(privateKey, "privateKey");
  }

  public Instant notAfter() {
    return certificate.getNotAfter().toInstant();
  }

  /**
   * Whether the private key belongs to the certificate. The JDK cannot derive an EC public key from a private one, so
   * this signs a probe and verifies it with the certificate's key.
   */
  public boolean keyMatchesCertificate() {
    try {
      byte[] probe = "gcp-wif key pair probe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      String algorithm = CertificateIssuer.signatureAlgorithmFor(privateKey);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(privateKey);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /** Whether this certificate carries a valid signature by {@code issuer}'s key. */
  public boolean isSignedBy(X509Certificate issuer) {
    try {
      certificate.verify(issuer.getPublicKey());
      return certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
