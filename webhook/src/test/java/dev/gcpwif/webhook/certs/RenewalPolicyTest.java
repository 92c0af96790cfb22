package dev.gcpwif.webhook.certs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RenewalPolicyTest {

  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private final CertificateIssuer issuer = new CertificateIssuer();
  private final SelfSignedSettings settings = TestSettings.in(Path.of("/unused"));
  private final RenewalPolicy policy = new RenewalPolicy(issuer, settings);

  @Test
  void withoutABundleCreatesACaAndAServingCertificateForTheServiceNames() {
    RenewalPolicy.Plan plan = policy.plan(Optional.empty(), START);

    assertThat(plan.changed()).isTrue();
    assertThat(plan.bundle().retiredAuthorities()).isEmpty();
    assertThat(plan.bundle().serving().isSignedBy(plan.bundle().authority().certificate())).isTrue();
    assertThat(RenewalPolicy.dnsNames(plan.bundle().serving().certificate())).containsExactlyInAnyOrder(
        "gcp-wif-webhook.gcp-wif-system.svc", "gcp-wif-webhook", "gcp-wif-webhook.gcp-wif-system",
        "gcp-wif-webhook.gcp-wif-system.svc.cluster.local");
  }

  @Test
  void keepsEverythingWhileNothingIsDue() {
    TlsBundle bundle = policy.plan(Optional.empty(), START).bundle();

    RenewalPolicy.Plan plan = policy.plan(Optional.of(bundle), START.plus(Duration.ofDays(59)));

    assertThat(plan.changed()).isFalse();
    assertThat(plan.bundle()).isEqualTo(bundle);
  }

  @Test
  void renewsTheServingCertificateWithTheSameCaOnceLessThanRenewBeforeRemains() {
    TlsBundle bundle = policy.plan(Optional.empty(), START).bundle();
    Instant due = START.plus(Duration.ofDays(60)).plusSeconds(1);

    RenewalPolicy.Plan plan = policy.plan(Optional.of(bundle), due);

    assertThat(plan.reasons()).singleElement().asString().startsWith("issued a new serving certificate");
    assertThat(plan.bundle().authority()).isEqualTo(bundle.authority());
    assertThat(plan.bundle().serving().certificate()).isNotEqualTo(bundle.serving().certificate());
    assertThat(plan.bundle().serving().notAfter()).isEqualTo(due.plus(Duration.ofDays(90)));
  }

  @Test
  void rotatesTheCaKeepingTheOldOneTrustedAndReissuesTheServingCertificate() {
    TlsBundle bundle = policy.plan(Optional.empty(), START).bundle();
    Instant due = START.plus(Duration.ofDays(3650 - 365)).plusSeconds(1);

    RenewalPolicy.Plan plan = policy.plan(Optional.of(bundle), due);

    assertThat(plan.bundle().authority().certificate()).isNotEqualTo(bundle.authority().certificate());
    assertThat(plan.bundle().retiredAuthorities()).containsExactly(bundle.authority().certificate());
    assertThat(plan.bundle().trustedAuthorities())
        .containsExactly(plan.bundle().authority().certificate(), bundle.authority().certificate());
    assertThat(plan.bundle().serving().isSignedBy(plan.bundle().authority().certificate())).isTrue();
    assertThat(plan.reasons()).hasSize(2);
  }

  @Test
  void dropsTheRetiredCaOnceItExpires() {
    TlsBundle bundle = policy.plan(Optional.empty(), START).bundle();
    TlsBundle rotated = policy.plan(Optional.of(bundle), START.plus(Duration.ofDays(3300))).bundle();
    Instant afterOldCaExpiry = bundle.authority().notAfter().plusSeconds(1);

    RenewalPolicy.Plan plan = policy.plan(Optional.of(rotated), afterOldCaExpiry);

    assertThat(plan.bundle().retiredAuthorities()).isEmpty();
    assertThat(plan.bundle().authority()).isEqualTo(rotated.authority());
    assertThat(plan.reasons()).anySatisfy(reason -> assertThat(reason).contains("dropped the retired CA"));
  }

  @Test
  void aCaThatExpiredLongAgoIsReplacedWithoutKeepingIt() {
    TlsBundle bundle = policy.plan(Optional.empty(), START).bundle();

    RenewalPolicy.Plan plan = policy.plan(Optional.of(bundle), START.plus(Duration.ofDays(4000)));

    assertThat(plan.bundle().retiredAuthorities()).isEmpty();
    assertThat(plan.bundle().authority().notAfter()).isAfter(START.plus(Duration.ofDays(4000)));
  }

  @Test
  void reissuesTheServingCertificateWhenTheServiceNamesChange() {
    TlsBundle bundle = policy.plan(Optional.empty(), START).bundle();
    SelfSignedSettings renamed = new SelfSignedSettings(settings.namespace(), settings.secretName(),
        settings.webhookConfigName(), "other", settings.clusterDomain(), settings.caValidity(),
        settings.caRenewBefore(), settings.certValidity(), settings.certRenewBefore(), settings.certFile(),
        settings.keyFile());

    RenewalPolicy.Plan plan = new RenewalPolicy(issuer, renamed).plan(Optional.of(bundle), START);

    assertThat(plan.bundle().authority()).isEqualTo(bundle.authority());
    assertThat(RenewalPolicy.dnsNames(plan.bundle().serving().certificate())).contains("other.gcp-wif-system.svc");
  }

  @Test
  void reissuesAServingCertificateNotSignedByTheCurrentCa() {
    TlsBundle bundle = policy.plan(Optional.empty(), START).bundle();
    TlsBundle foreign = policy.plan(Optional.empty(), START).bundle();
    TlsBundle mixed = new TlsBundle(bundle.authority(), List.of(), foreign.serving());

    RenewalPolicy.Plan plan = policy.plan(Optional.of(mixed), START);

    assertThat(plan.reasons()).singleElement().asString().contains("not signed by the current CA");
    assertThat(plan.bundle().serving().isSignedBy(bundle.authority().certificate())).isTrue();
  }
}
