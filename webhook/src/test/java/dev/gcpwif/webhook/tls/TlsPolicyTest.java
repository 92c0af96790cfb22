package dev.gcpwif.webhook.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TlsPolicyTest {

  @Test
  void noValuesKeepTheDefaultsTls12And13WithJettysSuites() {
    TlsPolicy policy = TlsPolicy.parse(null, null);

    assertThat(policy.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
    assertThat(policy.cipherSuites()).isEmpty();
    assertThat(policy.warnings()).isEmpty();
    assertThat(TlsPolicy.parse("", "").protocols()).containsExactly("TLSv1.3", "TLSv1.2");
  }

  @Test
  void chachaFirstMovesTheChaCha20SuitesAheadAndKeepsTheRestInOrder() {
    assertThat(TlsPolicy.chachaFirst(List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
        "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")))
        .containsExactly("TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
  }

  @Test
  void versionTls13AllowsOnlyTls13() {
    assertThat(TlsPolicy.parse("VersionTLS13", null).protocols()).containsExactly("TLSv1.3");
    assertThat(TlsPolicy.parse("VersionTLS12", null).protocols()).containsExactly("TLSv1.3", "TLSv1.2");
  }

  @ParameterizedTest
  @ValueSource(strings = {"VersionTLS10", "VersionTLS11"})
  void tls10And11AreRaisedTo12WithAWarningNeverServed(String version) {
    TlsPolicy policy = TlsPolicy.parse(version, null);

    assertThat(policy.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
    assertThat(policy.warnings()).singleElement().asString()
        .startsWith("--tls-min-version=" + version + " raised to VersionTLS12");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.2", "TLSv1.3", "VersionTLS14", "versiontls12"})
  void anUnknownVersionNamesTheValueAndTheNames(String version) {
    assertThatThrownBy(() -> TlsPolicy.parse(version, null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + version + "'").hasMessageContaining("expected VersionTLS12 or VersionTLS13")
        .hasMessageNotContaining("\n");
  }

  @Test
  void theListRestrictsTls12InItsOrderAndKeepsTheJdksTls13SuitesAsGoDoes() {
    TlsPolicy policy = TlsPolicy.parse(null,
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");

    assertThat(policy.cipherSuites()).startsWith("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256").contains("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")
        .doesNotContain("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    assertThat(policy.warnings()).isEmpty();
  }

  @Test
  void namingTls13SuitesRestrictsTls13Too() {
    TlsPolicy policy = TlsPolicy.parse(null, "TLS_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");

    assertThat(policy.cipherSuites()).containsExactly("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384");
  }

  @Test
  void kubernetesLegacyChachaNamesMeanTheIanaSuites() {
    assertThat(TlsPolicy.parse(null, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305").cipherSuites())
        .startsWith("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
  }

  @Test
  void anUnknownSuiteIsNamedWithWhatIsExpected() {
    assertThatThrownBy(() -> TlsPolicy.parse(null, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,AES128-GCM-SHA256"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--tls-cipher-suites: unknown cipher suite 'AES128-GCM-SHA256': expected IANA names")
        .hasMessageNotContaining("\n");
  }

  @Test
  void aSuiteGoKnowsButTheJdkDisablesIsSkippedWithAWarning() {
    TlsPolicy policy = TlsPolicy.parse(null, "TLS_RSA_WITH_RC4_128_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

    assertThat(policy.cipherSuites()).startsWith("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        .doesNotContain("TLS_RSA_WITH_RC4_128_SHA");
    assertThat(policy.warnings()).singleElement().asString()
        .isEqualTo("--tls-cipher-suites: TLS_RSA_WITH_RC4_128_SHA is not used: this JVM disables it "
            + "(jdk.tls.disabledAlgorithms)");
  }

  @Test
  void aListLeavingTls12ClientsNoSuiteIsAnError() {
    assertThatThrownBy(() -> TlsPolicy.parse("VersionTLS12", "TLS_RSA_WITH_RC4_128_SHA,TLS_RSA_WITH_3DES_EDE_CBC_SHA"))
        .hasMessageStartingWith("--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA,TLS_RSA_WITH_3DES_EDE_CBC_SHA leaves "
            + "TLS 1.2 clients no cipher suite this JVM can use");
    // Only TLS 1.3 suites while 1.2 is allowed: Go would leave 1.2 without a suite too.
    assertThatThrownBy(() -> TlsPolicy.parse(null, "TLS_AES_128_GCM_SHA256"))
        .hasMessageContaining("leaves TLS 1.2 clients no cipher suite");
  }

  @Test
  void onlyTls12SuitesWithTls13OnlyHaveNoEffectAndSaySo() {
    TlsPolicy policy = TlsPolicy.parse("VersionTLS13", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

    assertThat(policy.protocols()).containsExactly("TLSv1.3");
    assertThat(policy.warnings()).singleElement().asString().contains("has no effect");
  }
}
