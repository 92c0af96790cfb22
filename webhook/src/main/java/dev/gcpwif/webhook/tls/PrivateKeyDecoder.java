package dev.gcpwif.webhook.tls;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;

/**
 * Reads the private key encodings found in Kubernetes TLS Secrets: PKCS#8 ({@code PRIVATE KEY}, cert-manager with
 * {@code encoding: PKCS8}), PKCS#1 ({@code RSA PRIVATE KEY}, cert-manager's default) and SEC1 ({@code EC PRIVATE KEY},
 * openssl ecparam). The latter two are rewrapped as PKCS#8 because that is the only form the JDK decodes.
 */
final class PrivateKeyDecoder {
  // AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }
  private static final byte[] RSA_ALGORITHM =
      Der.encode(Der.SEQUENCE, Der.encode(Der.OBJECT_IDENTIFIER, bytes(0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01)),
          Der.encode(Der.NULL));
  // id-ecPublicKey (1.2.840.10045.2.1)
  private static final byte[] EC_PUBLIC_KEY_OID = Der.encode(Der.OBJECT_IDENTIFIER, bytes(0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01));
  private static final byte[] VERSION_0 = Der.encode(Der.INTEGER, new byte[] {0});

  private PrivateKeyDecoder() {}

  static PrivateKey decode(PemBlock block, String file) throws TlsMaterialException {
    String type = block.type();
    if (block.hasLegacyEncryptionHeaders() || type.equals("ENCRYPTED PRIVATE KEY")) {
      throw new TlsMaterialException(file + ": the private key is encrypted; expected an unencrypted PEM key");
    }
    try {
      switch (type) {
        case "PRIVATE KEY":
          return fromPkcs8(block.der());
        case "RSA PRIVATE KEY":
          return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(rsaPkcs1ToPkcs8(block.der())));
        case "EC PRIVATE KEY":
          return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(ecSec1ToPkcs8(block.der())));
        default:
          throw new TlsMaterialException(file + ": unsupported PEM block \"" + type
              + "\"; expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY");
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new TlsMaterialException(file + ": the " + type + " block is not a valid RSA or EC key (" + e.getMessage() + ")");
    }
  }

  private static PrivateKey fromPkcs8(byte[] der) throws GeneralSecurityException {
    GeneralSecurityException last = null;
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "RSASSA-PSS")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw last;
  }

  /** PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING { RSAPrivateKey } }. */
  static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
    Der.Element key = Der.parse(pkcs1);
    if (key.tag() != Der.SEQUENCE) {
      throw new IllegalArgumentException("RSAPrivateKey is not a SEQUENCE");
    }
    return Der.encode(Der.SEQUENCE, VERSION_0, RSA_ALGORITHM, Der.encode(Der.OCTET_STRING, pkcs1));
  }

  /**
   * PrivateKeyInfo { version 0, { id-ecPublicKey, namedCurve }, OCTET STRING { ECPrivateKey } }. The curve comes from
   * the SEC1 structure's [0] parameters, which openssl always writes.
   */
  static byte[] ecSec1ToPkcs8(byte[] sec1) {
    Der.Element key = Der.parse(sec1);
    if (key.tag() != Der.SEQUENCE) {
      throw new IllegalArgumentException("ECPrivateKey is not a SEQUENCE");
    }
    byte[] curveOid = null;
    for (Der.Element child : key.children()) {
      if (child.tag() == Der.CONTEXT_0) {
        Der.Element parameters = Der.parse(child.value());
        if (parameters.tag() == Der.OBJECT_IDENTIFIER) {
          curveOid = parameters.encoded();
        }
      }
    }
    if (curveOid == null) {
      throw new IllegalArgumentException("ECPrivateKey names no curve; expected a named curve such as prime256v1");
    }
    byte[] algorithm = Der.encode(Der.SEQUENCE, EC_PUBLIC_KEY_OID, curveOid);
    return Der.encode(Der.SEQUENCE, VERSION_0, algorithm, Der.encode(Der.OCTET_STRING, sec1));
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }
}
