package dev.gcpwif.webhook.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.testing.TestTls;
import dev.gcpwif.webhook.testing.TestTls.KeyKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServingCertificateTest {
  private static final TestTls TLS = new TestTls();

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(KeyKind.class)
  void loadsGeneratedKeysInEveryEncoding(KeyKind kind) throws Exception {
    HeldCertificate leaf = TLS.leaf(kind, "webhook-" + kind);
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    TestTls.write(leaf, kind, cert, key);

    ServingCertificate loaded = ServingCertificate.load(cert, key);

    assertThat(loaded.leaf()).isEqualTo(leaf.certificate());
    assertThat(loaded.subject()).isEqualTo("CN=webhook-" + kind);
    KeyStore store = loaded.toKeyStore();
    assertThat(store.getKey("serving", ServingCertificate.KEYSTORE_PASSWORD).getEncoded())
        .isEqualTo(leaf.keyPair().getPrivate().getEncoded());
  }

  @Test
  void loadsOpensslSec1EcKeyWithParametersBlock() throws Exception {
    Path cert = copyResource("ec-sec1.crt");
    Path key = copyResource("ec-sec1.key");
    assertThat(Files.readString(key)).contains("BEGIN EC PARAMETERS").contains("BEGIN EC PRIVATE KEY");

    ServingCertificate loaded = ServingCertificate.load(cert, key);

    PrivateKey privateKey = (PrivateKey) loaded.toKeyStore().getKey("serving", ServingCertificate.KEYSTORE_PASSWORD);
    assertThat(privateKey.getAlgorithm()).isEqualTo("EC");
    assertThat(loaded.subject()).isEqualTo("CN=localhost");
  }

  @Test
  void keepsTheWholeChainLeafFirst() throws Exception {
    HeldCertificate leaf = TLS.leaf(KeyKind.EC_PKCS8, "chained");
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    TestTls.write(leaf, KeyKind.EC_PKCS8, cert, key);
    Files.writeString(cert, leaf.certificatePem() + pem(TLS.caCertificate()));

    KeyStore store = ServingCertificate.load(cert, key).toKeyStore();

    assertThat(store.getCertificateChain("serving")).containsExactly(leaf.certificate(), TLS.caCertificate());
  }

  @Test
  void missingFileIsNamed() {
    Path missing = dir.resolve("absent.crt");
    assertThatThrownBy(() -> ServingCertificate.load(missing, missing))
        .isInstanceOf(TlsMaterialException.class).hasMessage(missing + ": no such file");
  }

  @Test
  void garbageCertificateFileIsNamedWithWhatIsExpected() throws Exception {
    Path cert = Files.writeString(dir.resolve("tls.crt"), "hello, not a certificate\n");
    Path key = Files.writeString(dir.resolve("tls.key"), TLS.leaf(KeyKind.EC_PKCS8, "x").privateKeyPkcs8Pem());

    assertThatThrownBy(() -> ServingCertificate.load(cert, key)).isInstanceOf(TlsMaterialException.class)
        .hasMessage(cert + ": no PEM certificate found; expected -----BEGIN CERTIFICATE----- blocks");
  }

  @Test
  void corruptCertificateBlockIsRejected() throws Exception {
    Path cert = Files.writeString(dir.resolve("tls.crt"),
        "-----BEGIN CERTIFICATE-----\nAAAABBBBCCCC\n-----END CERTIFICATE-----\n");
    Path key = Files.writeString(dir.resolve("tls.key"), TLS.leaf(KeyKind.EC_PKCS8, "x").privateKeyPkcs8Pem());

    assertThatThrownBy(() -> ServingCertificate.load(cert, key)).isInstanceOf(TlsMaterialException.class)
        .hasMessage(cert + ": a CERTIFICATE block is not a valid X.509 certificate");
  }

  @Test
  void keyFileWithoutKeyIsNamed() throws Exception {
    HeldCertificate leaf = TLS.leaf(KeyKind.EC_PKCS8, "x");
    Path cert = Files.writeString(dir.resolve("tls.crt"), leaf.certificatePem());
    Path key = Files.writeString(dir.resolve("tls.key"), leaf.certificatePem());

    assertThatThrownBy(() -> ServingCertificate.load(cert, key)).isInstanceOf(TlsMaterialException.class)
        .hasMessageStartingWith(key + ": no PEM private key found; expected PRIVATE KEY (PKCS#8)");
  }

  @Test
  void corruptKeyBlockIsRejectedWithoutStackTraceText() throws Exception {
    HeldCertificate leaf = TLS.leaf(KeyKind.RSA_PKCS1, "x");
    Path cert = Files.writeString(dir.resolve("tls.crt"), leaf.certificatePem());
    Path key = Files.writeString(dir.resolve("tls.key"),
        "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END RSA PRIVATE KEY-----\n");

    assertThatThrownBy(() -> ServingCertificate.load(cert, key)).isInstanceOf(TlsMaterialException.class)
        .hasMessageStartingWith(key + ": the RSA PRIVATE KEY block is not a valid RSA or EC key")
        .hasMessageNotContaining("\n");
  }

  @Test
  void encryptedKeyIsRefusedClearly() throws Exception {
    HeldCertificate leaf = TLS.leaf(KeyKind.EC_PKCS8, "x");
    Path cert = Files.writeString(dir.resolve("tls.crt"), leaf.certificatePem());
    Path key = Files.writeString(dir.resolve("tls.key"),
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END ENCRYPTED PRIVATE KEY-----\n");

    assertThatThrownBy(() -> ServingCertificate.load(cert, key)).isInstanceOf(TlsMaterialException.class)
        .hasMessage(key + ": the private key is encrypted; expected an unencrypted PEM key");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ec-pkcs8-encrypted.key", "ec-sec1-encrypted.key"})
  void realEncryptedKeysAreRefusedClearly(String name) throws Exception {
    Path cert = copyResource("ec-sec1.crt");
    Path key = copyResource(name);

    assertThatThrownBy(() -> ServingCertificate.load(cert, key)).isInstanceOf(TlsMaterialException.class)
        .hasMessage(key + ": the private key is encrypted; expected an unencrypted PEM key");
  }

  @Test
  void keyOfAnotherFormatIsNamedWithTheFormatsExpected() throws Exception {
    Path cert = copyResource("ec-sec1.crt");
    Path key = Files.writeString(dir.resolve("tls.key"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n");

    assertThatThrownBy(() -> ServingCertificate.load(cert, key)).isInstanceOf(TlsMaterialException.class)
        .hasMessage(key + ": unsupported PEM block \"OPENSSH PRIVATE KEY\"; expected PRIVATE KEY, RSA PRIVATE KEY"
            + " or EC PRIVATE KEY");
  }

  @Test
  void truncatedKeyFileNamesTheMissingEndLine() throws Exception {
    Path cert = copyResource("ec-sec1.crt");
    String whole = new String(getClass().getResourceAsStream("/tls/ec-sec1.key").readAllBytes());
    String secret = whole.substring(whole.indexOf("-----BEGIN EC PRIVATE KEY-----"));
    Path key = Files.writeString(dir.resolve("tls.key"), secret.substring(0, secret.indexOf("-----END")));

    assertThatThrownBy(() -> ServingCertificate.load(cert, key)).isInstanceOf(TlsMaterialException.class)
        .hasMessage(key + ": malformed PEM (-----END EC PRIVATE KEY----- not found)");
  }

  @Test
  void keyOfAnotherCertificateIsRejected() throws Exception {
    Path cert = Files.writeString(dir.resolve("tls.crt"), TLS.leaf(KeyKind.EC_PKCS8, "a").certificatePem());
    Path key = Files.writeString(dir.resolve("tls.key"), TLS.leaf(KeyKind.EC_PKCS8, "b").privateKeyPkcs8Pem());

    assertThatThrownBy(() -> ServingCertificate.load(cert, key)).isInstanceOf(TlsMaterialException.class)
        .hasMessage(key + " does not match the first certificate in " + cert);
  }

  @Test
  void rsaKeyForEcCertificateIsRejected() throws Exception {
    Path cert = Files.writeString(dir.resolve("tls.crt"), TLS.leaf(KeyKind.EC_PKCS8, "a").certificatePem());
    Path key = Files.writeString(dir.resolve("tls.key"), TLS.leaf(KeyKind.RSA_PKCS1, "b").privateKeyPkcs1Pem());

    assertThatThrownBy(() -> ServingCertificate.load(cert, key)).isInstanceOf(TlsMaterialException.class)
        .hasMessage(key + " does not match the certificate in " + cert + " (RSA key, EC certificate)");
  }

  private Path copyResource(String name) throws Exception {
    Path target = dir.resolve(name);
    try (var in = getClass().getResourceAsStream("/tls/" + name)) {
      Files.copy(in, target);
    }
    return target;
  }

  private static String pem(X509Certificate certificate) throws Exception {
    return "-----BEGIN CERTIFICATE-----\n"
        + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(certificate.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }
}
