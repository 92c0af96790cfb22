package dev.gcpwif.webhook.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemHeader;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemObjectParser;

/**
 * PEM text of certificates and private keys, read and written with BouncyCastle (bcpkix): the serving certificate
 * files, whoever wrote them, and the self-signed issuer's Secret.
 *
 * <p>Reads the key encodings found in Kubernetes TLS Secrets: PKCS#8 ({@code PRIVATE KEY}, cert-manager with
 * {@code encoding: PKCS8}), PKCS#1 ({@code RSA PRIVATE KEY}, cert-manager's default) and SEC1 ({@code EC PRIVATE KEY},
 * openssl ecparam). Keys and certificates come out as the JDK's own objects: BouncyCastle is never registered as a JCA
 * provider. Failures are {@link FormatException}s whose one-line message says what is wrong and never quotes the
 * input, which may be key material.
 */
public final class Pem {
  private static final Set<String> KEY_TYPES =
      Set.of(PEMParser.TYPE_PRIVATE_KEY, PEMParser.TYPE_RSA_PRIVATE_KEY, PEMParser.TYPE_EC_PRIVATE_KEY);

  private Pem() {}

  /** Certificates as consecutive {@code CERTIFICATE} blocks, in order. */
  public static String encodeCertificates(List<X509Certificate> certificates) {
    return write(certificates);
  }

  /** An unencrypted PKCS#8 {@code PRIVATE KEY} block for any algorithm (JcaPEMWriter alone writes SEC1/PKCS#1). */
  public static String encodePrivateKey(PrivateKey key) {
    if (!"PKCS#8".equals(key.getFormat())) {
      throw new IllegalArgumentException("expected a PKCS#8-encodable key, got format " + key.getFormat());
    }
    try {
      return write(List.of(new JcaPKCS8Generator(key, null)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every {@code CERTIFICATE} block in {@code pem}, in order; other blocks and text between blocks (OpenSSL's "Bag
   * Attributes") are ignored, as RFC 7468 allows. No block at all gives an empty list.
   */
  public static List<X509Certificate> decodeCertificates(String pem) throws FormatException {
    List<X509Certificate> certificates = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    BlockParser parser = new BlockParser(pem);
    for (PemObject block : parser.blocks()) {
      if (block.getType().equals(PEMParser.TYPE_CERTIFICATE)) {
        try {
          certificates.add(converter.getCertificate((X509CertificateHolder) parser.parse(block)));
        } catch (IOException | CertificateException | RuntimeException e) {
          throw new FormatException("a CERTIFICATE block is not a valid X.509 certificate");
        }
      }
    }
    return certificates;
  }

  /** The one private key in {@code pem}; other blocks (openssl's {@code EC PARAMETERS}, certificates) are ignored. */
  public static PrivateKey decodePrivateKey(String pem) throws FormatException {
    PemObject keyBlock = null;
    BlockParser parser = new BlockParser(pem);
    for (PemObject block : parser.blocks()) {
      if (block.getType().endsWith("PRIVATE KEY")) {
        if (keyBlock != null) {
          throw new FormatException("more than one private key; expected exactly one");
        }
        keyBlock = block;
      }
    }
    if (keyBlock == null) {
      throw new FormatException(
          "no PEM private key found; expected PRIVATE KEY (PKCS#8), RSA PRIVATE KEY (PKCS#1) or EC PRIVATE KEY (SEC1)");
    }
    String type = keyBlock.getType();
    // Decided on the framing, not the content, so that a damaged encrypted key is still reported as encrypted.
    if (type.equals(PEMParser.TYPE_ENCRYPTED_PRIVATE_KEY) || hasLegacyEncryptionHeader(keyBlock)) {
      throw new FormatException("the private key is encrypted; expected an unencrypted PEM key");
    }
    if (!KEY_TYPES.contains(type)) {
      throw new FormatException(
          "unsupported PEM block \"" + type + "\"; expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY");
    }
    try {
      Object parsed = parser.parse(keyBlock);
      PrivateKeyInfo info = parsed instanceof PEMKeyPair pair ? pair.getPrivateKeyInfo() : (PrivateKeyInfo) parsed;
      return new JcaPEMKeyConverter().getPrivateKey(info);
    } catch (IOException | RuntimeException e) {
      throw new FormatException("the " + type + " block is not a valid RSA or EC key (" + oneLine(e) + ")");
    }
  }

  /** RFC 1421 {@code Proc-Type: 4,ENCRYPTED}: a legacy OpenSSL key encrypted with a passphrase. */
  private static boolean hasLegacyEncryptionHeader(PemObject block) {
    for (Object header : block.getHeaders()) {
      PemHeader h = (PemHeader) header;
      if (h.getName().equalsIgnoreCase("Proc-Type") && h.getValue().toUpperCase().contains("ENCRYPTED")) {
        return true;
      }
    }
    return false;
  }

  private static String write(List<?> objects) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      for (Object object : objects) {
        writer.writeObject(object);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + objects.size() + " PEM objects: " + e.getMessage(), e);
    }
    // PemWriter ends lines with the platform separator; Secrets and mounted files use \n everywhere.
    return text.toString().replace("\r\n", "\n");
  }

  /** The exception's own message, on one line: BouncyCastle's messages name what failed, not the bytes. */
  private static String oneLine(Exception e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.lines().findFirst().orElse("");
  }

  /** BouncyCastle's PEM reader and its per-type parsers, applied to the blocks the caller picked. */
  private static final class BlockParser extends PEMParser {
    BlockParser(String text) {
      super(new StringReader(text));
    }

    List<PemObject> blocks() throws FormatException {
      List<PemObject> blocks = new ArrayList<>();
      try {
        for (PemObject block = readPemObject(); block != null; block = readPemObject()) {
          blocks.add(block);
        }
      } catch (IOException e) {
        // BouncyCastle's framing messages ("-----END CERTIFICATE----- not found", "unable to decode base64 string")
        // name the block type, never its content.
        throw new FormatException("malformed PEM (" + e.getMessage() + ")");
      }
      return blocks;
    }

    Object parse(PemObject block) throws IOException {
      return ((PemObjectParser) parsers.get(block.getType())).parseObject(block);
    }
  }

  /** PEM text that does not hold what was asked for; the message is one line and quotes none of the input. */
  public static final class FormatException extends Exception {
    public FormatException(String message) {
      super(message);
    }
  }
}
