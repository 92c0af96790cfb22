package dev.gcpwif.webhook.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/** A certificate chain and its private key read from PEM files, checked to belong together. */
public final class ServingCertificate {
  /** The in-memory keystore needs a password; it never leaves the process. */
  static final char[] KEYSTORE_PASSWORD = "in-memory".toCharArray();

  private final List<X509Certificate> chain;
  private final PrivateKey key;

  private ServingCertificate(List<X509Certificate> chain, PrivateKey key) {
    this.chain = List.copyOf(chain);
    this.key = key;
  }

  public static ServingCertificate load(Path certFile, Path keyFile) throws TlsMaterialException {
    return parse(read(certFile), certFile.toString(), read(keyFile), keyFile.toString());
  }

  static ServingCertificate parse(byte[] certPem, String certName, byte[] keyPem, String keyName)
      throws TlsMaterialException {
    List<X509Certificate> chain = parseChain(new String(certPem, StandardCharsets.US_ASCII), certName);
    PrivateKey key = parseKey(new String(keyPem, StandardCharsets.US_ASCII), keyName);
    requireMatchingPair(chain.get(0), key, certName, keyName);
    return new ServingCertificate(chain, key);
  }

  static byte[] read(Path file) throws TlsMaterialException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new TlsMaterialException(file + ": no such file");
    } catch (IOException e) {
      throw new TlsMaterialException(file + ": cannot read (" + e.getMessage() + ")");
    }
  }

  private static List<X509Certificate> parseChain(String pem, String file) throws TlsMaterialException {
    List<X509Certificate> chain;
    try {
      chain = Pem.decodeCertificates(pem);
    } catch (Pem.FormatException e) {
      throw new TlsMaterialException(file + ": " + e.getMessage());
    }
    if (chain.isEmpty()) {
      throw new TlsMaterialException(file + ": no PEM certificate found; expected -----BEGIN CERTIFICATE----- blocks");
    }
    return chain;
  }

  private static PrivateKey parseKey(String pem, String file) throws TlsMaterialException {
    try {
      return Pem.decodePrivateKey(pem);
    } catch (Pem.FormatException e) {
      throw new TlsMaterialException(file + ": " + e.getMessage());
    }
  }

  /** Catches a half-rotated pair (cert-manager writes the two files one after the other) before it is served. */
  private static void requireMatchingPair(X509Certificate leaf, PrivateKey key, String certName, String keyName)
      throws TlsMaterialException {
    PublicKey publicKey = leaf.getPublicKey();
    String algorithm;
    switch (key.getAlgorithm()) {
      case "RSA":
        algorithm = "SHA256withRSA";
        break;
      case "EC":
        algorithm = "SHA256withECDSA";
        break;
      case "Ed25519":
      case "EdDSA":
        algorithm = "Ed25519";
        break;
      default:
        throw new TlsMaterialException(keyName + ": unsupported key algorithm " + key.getAlgorithm() + "; expected RSA or EC");
    }
    if (!publicKey.getAlgorithm().equals(key.getAlgorithm())
        && !(publicKey.getAlgorithm().startsWith("Ed") && key.getAlgorithm().startsWith("Ed"))) {
      throw new TlsMaterialException(keyName + " does not match the certificate in " + certName + " ("
          + key.getAlgorithm() + " key, " + publicKey.getAlgorithm() + " certificate)");
    }
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      if (!verifier.verify(signature)) {
        throw new TlsMaterialException(keyName + " does not match the first certificate in " + certName);
      }
    } catch (GeneralSecurityException e) {
      throw new TlsMaterialException(keyName + " does not match the first certificate in " + certName + " (" + e.getMessage() + ")");
    }
  }

  public KeyStore toKeyStore() {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("serving", key, KEYSTORE_PASSWORD, chain.toArray(new X509Certificate[0]));
      return store;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build an in-memory keystore", e);
    }
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  public String subject() {
    return leaf().getSubjectX500Principal().getName();
  }
}
