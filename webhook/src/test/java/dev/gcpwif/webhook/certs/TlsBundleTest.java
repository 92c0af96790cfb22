package dev.gcpwif.webhook.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.tls.Pem;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TlsBundleTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private final CertificateIssuer issuer = new CertificateIssuer();

  @Test
  void secretDataRoundTripsWithTheKubernetesTlsKeys() throws Exception {
    CertifiedKey ca = issuer.newAuthority("svc.ns", NOW, Duration.ofDays(100));
    CertifiedKey retired = issuer.newAuthority("svc.ns", NOW.minusSeconds(60), Duration.ofDays(100));
    CertifiedKey serving = issuer.newServingCertificate(ca, List.of("svc.ns.svc"), NOW, Duration.ofDays(10));
    TlsBundle bundle = new TlsBundle(ca, List.of(retired.certificate()), serving);

    Map<String, String> data = bundle.toSecretData();
    TlsBundle read = TlsBundle.fromSecretData(data);

    assertThat(data).containsOnlyKeys("tls.crt", "tls.key", "ca.crt", "ca.key", "ca-retired.crt");
    assertThat(decode(data.get("tls.key"))).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(decode(data.get("tls.crt"))).startsWith("-----BEGIN CERTIFICATE-----\n");
    assertThat(read.authority().certificate()).isEqualTo(ca.certificate());
    assertThat(read.authority().privateKey().getEncoded()).isEqualTo(ca.privateKey().getEncoded());
    assertThat(read.serving().certificate()).isEqualTo(serving.certificate());
    assertThat(read.serving().privateKey().getEncoded()).isEqualTo(serving.privateKey().getEncoded());
    assertThat(read.retiredAuthorities()).containsExactly(retired.certificate());
  }

  @Test
  void caBundleListsTheCurrentAuthorityFirstThenTheRetiredOne() throws Exception {
    CertifiedKey ca = issuer.newAuthority("svc.ns", NOW, Duration.ofDays(100));
    CertifiedKey retired = issuer.newAuthority("svc.ns", NOW.minusSeconds(60), Duration.ofDays(100));
    CertifiedKey serving = issuer.newServingCertificate(ca, List.of("svc.ns.svc"), NOW, Duration.ofDays(10));

    String caBundle = new TlsBundle(ca, List.of(retired.certificate()), serving).caBundleBase64();

    assertThat(Pem.decodeCertificates(decode(caBundle))).containsExactly(ca.certificate(), retired.certificate());
  }

  @Test
  void aCertManagerSecretWithoutCaKeyIsReportedUnusable() throws Exception {
    CertifiedKey ca = issuer.newAuthority("svc.ns", NOW, Duration.ofDays(100));
    Map<String, String> data = new HashMap<>(new TlsBundle(ca, List.of(),
        issuer.newServingCertificate(ca, List.of("svc.ns.svc"), NOW, Duration.ofDays(10))).toSecretData());
    data.remove("ca.key");

    assertThatThrownBy(() -> TlsBundle.fromSecretData(data))
        .isInstanceOf(TlsBundle.UnusableSecretException.class)
        .hasMessage("it has no \"ca.key\"");
  }

  @Test
  void garbageInAKeyIsReportedWithTheKeyName() throws Exception {
    CertifiedKey ca = issuer.newAuthority("svc.ns", NOW, Duration.ofDays(100));
    Map<String, String> data = new HashMap<>(new TlsBundle(ca, List.of(),
        issuer.newServingCertificate(ca, List.of("svc.ns.svc"), NOW, Duration.ofDays(10))).toSecretData());
    data.put("tls.key", Base64.getEncoder().encodeToString("-----BEGIN EC PRIVATE KEY-----".getBytes()));

    assertThatThrownBy(() -> TlsBundle.fromSecretData(data))
        .isInstanceOf(TlsBundle.UnusableSecretException.class)
        .hasMessageStartingWith("\"tls.key\" is not a PKCS#8 EC private key");
    assertThatThrownBy(() -> TlsBundle.fromSecretData(null)).hasMessage("it has no \"ca.crt\"");
  }

  @Test
  void anRsaKeyIsReportedUnusableBecauseTheIssuerSignsWithEc() throws Exception {
    CertifiedKey ca = issuer.newAuthority("svc.ns", NOW, Duration.ofDays(100));
    Map<String, String> data = new HashMap<>(new TlsBundle(ca, List.of(),
        issuer.newServingCertificate(ca, List.of("svc.ns.svc"), NOW, Duration.ofDays(10))).toSecretData());
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    data.put("ca.key", Base64.getEncoder().encodeToString(
        Pem.encodePrivateKey(rsa.generateKeyPair().getPrivate()).getBytes(StandardCharsets.US_ASCII)));

    assertThatThrownBy(() -> TlsBundle.fromSecretData(data))
        .isInstanceOf(TlsBundle.UnusableSecretException.class)
        .hasMessageStartingWith("\"ca.key\" is not a PKCS#8 EC private key");
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
  }
}
