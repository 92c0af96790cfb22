package dev.gcpwif.webhook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.certs.SelfSignedSettings;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class SelfSignedOptionsTest {

  private static final Path CERT = Path.of("/tmp/tls/tls.crt");
  private static final Path KEY = Path.of("/tmp/tls/tls.key");

  @Command(name = "serve")
  static final class Serve {
    @Mixin SelfSignedOptions selfSigned;
  }

  private static SelfSignedOptions parse(String... args) {
    Serve serve = new Serve();
    new CommandLine(serve).parseArgs(args);
    return serve.selfSigned;
  }

  @Test
  void defaultsMatchTheShippedManifestsAndCertManagerLifetimes() {
    SelfSignedOptions options = parse("--service-namespace=gcp-wif-system");
    SelfSignedSettings settings = options.toSettings(CERT, KEY, null);

    assertThat(options.enabled()).isFalse();
    assertThat(options.checkInterval()).isEqualTo(Duration.ofMinutes(10));
    assertThat(settings.secretName()).isEqualTo("gcp-wif-webhook-tls");
    assertThat(settings.webhookConfigName()).isEqualTo("gcp-wif-webhook");
    assertThat(settings.serviceName()).isEqualTo("gcp-wif-webhook");
    assertThat(settings.caValidity()).isEqualTo(Duration.ofDays(3650));
    assertThat(settings.caRenewBefore()).isEqualTo(Duration.ofDays(365));
    assertThat(settings.certValidity()).isEqualTo(Duration.ofDays(90));
    assertThat(settings.certRenewBefore()).isEqualTo(Duration.ofDays(30));
    assertThat(settings.dnsNames()).containsExactly("gcp-wif-webhook.gcp-wif-system.svc", "gcp-wif-webhook",
        "gcp-wif-webhook.gcp-wif-system", "gcp-wif-webhook.gcp-wif-system.svc.cluster.local");
    assertThat(settings.certFile()).isEqualTo(CERT);
    assertThat(settings.keyFile()).isEqualTo(KEY);
  }

  @Test
  void readsEveryFlag() {
    SelfSignedSettings settings = parse("--self-signed-certs", "--self-signed-secret=my-tls",
        "--webhook-config-name=my-webhook", "--service-name=my-svc", "--service-namespace=ns1",
        "--cluster-domain=corp.example", "--self-signed-ca-validity=PT87600H", "--self-signed-ca-renew-before=60d",
        "--self-signed-cert-validity=720h", "--self-signed-cert-renew-before=7d",
        "--self-signed-check-interval=30s").toSettings(CERT, KEY, "ignored");

    assertThat(settings).isEqualTo(new SelfSignedSettings("ns1", "my-tls", "my-webhook", "my-svc", "corp.example",
        Duration.ofDays(3650), Duration.ofDays(60), Duration.ofDays(30), Duration.ofDays(7), CERT, KEY));
    assertThat(parse("--self-signed-certs").enabled()).isTrue();
    assertThat(parse("--self-signed-check-interval=30s").checkInterval()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void fallsBackToTheClientNamespaceWhenNoneIsGiven() {
    assertThat(parse().toSettings(CERT, KEY, "from-token").namespace()).isEqualTo("from-token");
  }

  @Test
  void withoutAnyNamespaceSaysHowToProvideOne() {
    assertThatThrownBy(() -> parse().toSettings(CERT, KEY, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--service-namespace")
        .hasMessageContaining("POD_NAMESPACE");
  }

  @Test
  void withoutTlsFilesSaysWhichFlagsAreNeeded() {
    assertThatThrownBy(() -> parse("--service-namespace=ns").toSettings(null, KEY, null))
        .hasMessageStartingWith("--self-signed-certs needs --tls-cert-file and --tls-key-file");
  }

  @Test
  void rejectsAnInvalidServiceNameNamingTheFlag() {
    assertThatThrownBy(() -> parse("--service-namespace=ns", "--service-name=My_Service").toSettings(CERT, KEY, null))
        .hasMessage("--service-name: 'My_Service' is not a Service name (DNS-1123 label): lowercase letters, "
            + "digits and '-', at most 63 characters");
  }

  @Test
  void rejectsARenewBeforeNotShorterThanTheValidity() {
    assertThatThrownBy(() -> parse("--service-namespace=ns", "--self-signed-cert-renew-before=90d")
        .toSettings(CERT, KEY, null))
        .hasMessage("--self-signed-cert-renew-before (PT2160H) must be shorter than --self-signed-cert-validity "
            + "(PT2160H)");
    assertThatThrownBy(() -> parse("--service-namespace=ns", "--self-signed-ca-renew-before=1d")
        .toSettings(CERT, KEY, null))
        .hasMessageContaining("--self-signed-ca-renew-before (PT24H) must be at least --self-signed-cert-renew-before");
  }

  @Test
  void rejectsAMalformedDurationWithTheExpectedForms() {
    assertThatThrownBy(() -> parse("--self-signed-cert-validity=3 months"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("'3 months' is not a duration: expected a number with a unit ms, s, m, h or d");
  }
}
