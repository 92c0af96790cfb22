package dev.gcpwif.webhook.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CertificateIssuerTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final List<String> NAMES = List.of("svc.ns.svc", "svc", "svc.ns", "svc.ns.svc.cluster.local");
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

  private final CertificateIssuer issuer = new CertificateIssuer();

  @Test
  void authorityIsAnEcP256CaLimitedToSigningEndEntities() throws Exception {
    CertifiedKey ca = issuer.newAuthority("svc.ns", NOW, Duration.ofDays(3650));
    X509Certificate certificate = ca.certificate();

    assertThat(certificate.getBasicConstraints()).isZero(); // CA, path length 0
    assertThat(certificate.getKeyUsage()[5]).as("keyCertSign").isTrue();
    assertThat(certificate.getSubjectX500Principal()).isEqualTo(certificate.getIssuerX500Principal());
    assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=svc.ns CA " + NOW.getEpochSecond());
    certificate.verify(certificate.getPublicKey());
    assertThat(((ECPublicKey) certificate.getPublicKey()).getParams().getCurve().getField().getFieldSize())
        .isEqualTo(256);
    assertThat(ca.privateKey()).isInstanceOf(ECPrivateKey.class);
    assertThat(ca.notAfter()).isEqualTo(NOW.plus(Duration.ofDays(3650)));
    assertThat(certificate.getNotBefore().toInstant()).isBefore(NOW);
    assertThat(ca.keyMatchesCertificate()).isTrue();
  }

  @Test
  void servingCertificateNamesTheServiceAndChainsToTheAuthority() throws Exception {
    CertifiedKey ca = issuer.newAuthority("svc.ns", NOW, Duration.ofDays(3650));
    CertifiedKey serving = issuer.newServingCertificate(ca, NAMES, NOW, Duration.ofDays(90));
    X509Certificate certificate = serving.certificate();

    assertThat(RenewalPolicy.dnsNames(certificate)).containsExactlyInAnyOrderElementsOf(NAMES);
    assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=svc.ns.svc");
    assertThat(certificate.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
    assertThat(certificate.getBasicConstraints()).isEqualTo(-1);
    assertThat(certificate.getKeyUsage()[0]).as("digitalSignature").isTrue();
    assertThat(serving.notAfter()).isEqualTo(NOW.plus(Duration.ofDays(90)));
    assertThat(serving.isSignedBy(ca.certificate())).isTrue();
    assertThat(serving.keyMatchesCertificate()).isTrue();
    assertThat(pkixValidates(certificate, ca.certificate(), NOW.plus(Duration.ofDays(1)))).isTrue();
  }

  @Test
  void servingCertificateNeverOutlivesItsAuthority() {
    CertifiedKey ca = issuer.newAuthority("svc.ns", NOW, Duration.ofDays(10));
    CertifiedKey serving = issuer.newServingCertificate(ca, NAMES, NOW, Duration.ofDays(90));

    assertThat(serving.notAfter()).isEqualTo(ca.notAfter());
  }

  @Test
  void certificateSignedByAnotherAuthorityIsRecognisedAsSuch() {
    CertifiedKey ca = issuer.newAuthority("svc.ns", NOW, Duration.ofDays(10));
    CertifiedKey other = issuer.newAuthority("svc.ns", NOW.plusSeconds(1), Duration.ofDays(10));
    CertifiedKey serving = issuer.newServingCertificate(ca, NAMES, NOW, Duration.ofDays(9));
    CertifiedKey unrelated = issuer.newServingCertificate(other, NAMES, NOW, Duration.ofDays(9));

    assertThat(serving.isSignedBy(other.certificate())).isFalse();
    assertThat(new CertifiedKey(serving.certificate(), unrelated.privateKey()).keyMatchesCertificate()).isFalse();
  }

  @Test
  void refusesAServingCertificateWithoutNames() {
    CertifiedKey ca = issuer.newAuthority("svc.ns", NOW, Duration.ofDays(10));

    assertThatThrownBy(() -> issuer.newServingCertificate(ca, List.of(), NOW, Duration.ofDays(1)))
        .hasMessageContaining("at least one DNS name");
  }

  /** The JDK's own path validation, as a TLS client would run it (minus the hostname check). */
  static boolean pkixValidates(X509Certificate leaf, X509Certificate root, Instant at) throws Exception {
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    parameters.setRevocationEnabled(false);
    parameters.setDate(Date.from(at));
    CertPathValidator.getInstance("PKIX").validate(
        CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
    return true;
  }
}
