package dev.gcpwif.webhook.certs;

import dev.gcpwif.webhook.mutation.core.Names;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Mints ECDSA P-256 certificates: a CA that may sign only end-entity certificates, and serving certificates for a
 * Service's DNS names. BouncyCastle only assembles the ASN.1; keys, signatures and parsing come from the JDK's
 * providers (BouncyCastle is never registered as a JCA provider).
 */
// Not final: tests hold it at a barrier to make two replicas race deterministically.
public class CertificateIssuer {

  /** Tolerates clocks (API server, nodes) running behind the one that minted the certificate. */
  static final Duration BACKDATE = Duration.ofHours(1);

  private final SecureRandom random;

  public CertificateIssuer() {
    this(new SecureRandom());
  }

  CertificateIssuer(SecureRandom random) {
    this.random = random;
  }

  /** A new CA, valid from (about) {@code now} for {@code validity}, named after the service it serves. */
  public CertifiedKey newAuthority(String commonNamePrefix, Instant now, Duration validity) {
    try {
      KeyPair keys = newKeyPair();
      // The instant in the name makes successive CAs distinct subjects, so old and new can share a caBundle.
      X500Name subject = commonName(commonNamePrefix + " CA " + now.getEpochSecond());
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = builder(subject, subject, now, now.plus(validity), keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false,
              extensions.createSubjectKeyIdentifier(keys.getPublic()));
      return new CertifiedKey(sign(builder, keys.getPrivate()), keys.getPrivate());
    } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot create a CA certificate: " + e.getMessage(), e);
    }
  }

  /**
   * A serving certificate for {@code dnsNames} (the first is also the common name), signed by {@code authority},
   * never outliving it.
   */
  public CertifiedKey newServingCertificate(CertifiedKey authority, List<String> dnsNames, Instant now,
      Duration validity) {
    if (dnsNames.isEmpty()) {
      throw new IllegalArgumentException("a serving certificate needs at least one DNS name");
    }
    try {
      KeyPair keys = newKeyPair();
      Instant notAfter = min(now.plus(validity), authority.notAfter());
      X500Name issuer = X500Name.getInstance(authority.certificate().getSubjectX500Principal().getEncoded());
      GeneralName[] names = dnsNames.stream()
          .map(name -> new GeneralName(GeneralName.dNSName, name))
          .toArray(GeneralName[]::new);
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = builder(issuer, commonName(dnsNames.get(0)), now, notAfter,
          keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names))
          .addExtension(Extension.subjectKeyIdentifier, false,
              extensions.createSubjectKeyIdentifier(keys.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false,
              extensions.createAuthorityKeyIdentifier(authority.certificate()));
      return new CertifiedKey(sign(builder, authority.privateKey()), keys.getPrivate());
    } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot create a serving certificate: " + e.getMessage(), e);
    }
  }

  static String signatureAlgorithmFor(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm());
    };
  }

  private X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, Instant now, Instant notAfter,
      PublicKey publicKey) {
    // RFC 5280: a positive serial of at most 20 octets; 126 random bits with the top one set is never zero.
    BigInteger serial = new BigInteger(126, random).setBit(125);
    return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(now.minus(BACKDATE)), Date.from(notAfter),
        subject, publicKey);
  }

  private KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), random);
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter()
        .getCertificate(builder.build(new JcaContentSignerBuilder(signatureAlgorithmFor(signingKey)).build(signingKey)));
  }

  private static X500Name commonName(String value) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, value).build();
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
