package dev.gcpwif.webhook.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.testing.TestTls;
import dev.gcpwif.webhook.testing.TestTls.KeyKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingServerTlsTest {
  private static final TestTls TLS = new TestTls();

  @TempDir Path dir;

  @Test
  void unchangedFilesAreNotReloaded() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    TestTls.write(TLS.leaf(KeyKind.EC_PKCS8, "first"), KeyKind.EC_PKCS8, cert, key);

    try (ReloadingServerTls tls = new ReloadingServerTls(cert, key)) {
      assertThat(tls.reloadIfChanged()).isFalse();
      assertThat(tls.reloads()).isZero();
    }
  }

  @Test
  void rewrittenPairInPlaceIsLoaded() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    HeldCertificate first = TLS.leaf(KeyKind.RSA_PKCS1, "first");
    TestTls.write(first, KeyKind.RSA_PKCS1, cert, key);
    try (ReloadingServerTls tls = new ReloadingServerTls(cert, key)) {
      HeldCertificate second = TLS.leaf(KeyKind.EC_PKCS8, "second");
      TestTls.write(second, KeyKind.EC_PKCS8, cert, key);

      assertThat(tls.reloadIfChanged()).isTrue();
      assertThat(tls.reloads()).isEqualTo(1);
      assertThat(tls.currentNotAfter()).isEqualTo(second.certificate().getNotAfter().toInstant());
    }
  }

  @Test
  void halfWrittenPairKeepsTheOldOneAndIsCountedOnce() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    HeldCertificate first = TLS.leaf(KeyKind.EC_PKCS8, "first");
    TestTls.write(first, KeyKind.EC_PKCS8, cert, key);
    try (ReloadingServerTls tls = new ReloadingServerTls(cert, key)) {
      HeldCertificate second = TLS.leaf(KeyKind.EC_PKCS8, "second");
      Files.writeString(cert, second.certificatePem()); // the key is not rewritten yet

      assertThat(tls.reloadIfChanged()).isFalse();
      assertThat(tls.reloadIfChanged()).isFalse();
      assertThat(tls.failedReloads()).isEqualTo(1);
      assertThat(tls.currentNotAfter()).isEqualTo(first.certificate().getNotAfter().toInstant());

      Files.writeString(key, second.privateKeyPkcs8Pem());
      assertThat(tls.reloadIfChanged()).isTrue();
      assertThat(tls.currentNotAfter()).isEqualTo(second.certificate().getNotAfter().toInstant());
    }
  }

  @Test
  void newKeyBeforeItsCertificateKeepsServingTheOldPairUntilThePairIsComplete() throws Exception {
    // Self-signed mode renames the new key into place first, then the certificate: a poll in between sees a new key
    // with the old certificate, which must never be served.
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    HeldCertificate first = TLS.leaf(KeyKind.EC_PKCS8, "first");
    TestTls.write(first, KeyKind.EC_PKCS8, cert, key);
    try (ReloadingServerTls tls = new ReloadingServerTls(cert, key)) {
      HeldCertificate second = TLS.leaf(KeyKind.EC_PKCS8, "second");
      Files.writeString(key, second.privateKeyPkcs8Pem());

      assertThat(tls.reloadIfChanged()).isFalse();
      assertThat(servedCertificate(tls)).isEqualTo(first.certificate());
      assertThat(tls.failedReloads()).isEqualTo(1);

      Files.writeString(cert, second.certificatePem());
      assertThat(tls.reloadIfChanged()).isTrue();
      assertThat(servedCertificate(tls)).isEqualTo(second.certificate());
      assertThat(tls.sslContextFactory().getKeyStore().getKey("serving", "in-memory".toCharArray()))
          .isEqualTo(second.keyPair().getPrivate());
    }
  }

  private static java.security.cert.Certificate servedCertificate(ReloadingServerTls tls) throws Exception {
    return tls.sslContextFactory().getKeyStore().getCertificate("serving");
  }

  @Test
  void secretVolumeSymlinkSwapIsLoaded() throws Exception {
    // The kubelet's atomic writer: tls.crt -> ..data/tls.crt, ..data -> ..2024_01_01_v1; an update swaps ..data.
    Path v1 = Files.createDirectory(dir.resolve("..v1"));
    TestTls.write(TLS.leaf(KeyKind.EC_PKCS8, "v1"), KeyKind.EC_PKCS8, v1.resolve("tls.crt"), v1.resolve("tls.key"));
    Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
    Path cert = Files.createSymbolicLink(dir.resolve("tls.crt"), Path.of("..data/tls.crt"));
    Path key = Files.createSymbolicLink(dir.resolve("tls.key"), Path.of("..data/tls.key"));
    try (ReloadingServerTls tls = new ReloadingServerTls(cert, key)) {
      Path v2 = Files.createDirectory(dir.resolve("..v2"));
      HeldCertificate second = TLS.leaf(KeyKind.RSA_PKCS1, "v2");
      TestTls.write(second, KeyKind.RSA_PKCS1, v2.resolve("tls.crt"), v2.resolve("tls.key"));
      Path tmpLink = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
      Files.move(tmpLink, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

      assertThat(tls.reloadIfChanged()).isTrue();
      assertThat(tls.currentNotAfter()).isEqualTo(second.certificate().getNotAfter().toInstant());
    }
  }
}
