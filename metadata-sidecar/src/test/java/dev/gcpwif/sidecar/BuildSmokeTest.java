package dev.gcpwif.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;

class BuildSmokeTest {
  @Test
  void okhttpTlsIsOnTheTestClasspath() {
    assertThat(new HeldCertificate.Builder().commonName("x").build().certificatePem()).contains("BEGIN CERTIFICATE");
  }
}
