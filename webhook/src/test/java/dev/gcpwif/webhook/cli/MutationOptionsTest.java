package dev.gcpwif.webhook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gcpwif.webhook.mutation.core.SidecarSettings;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine;

class MutationOptionsTest {
  @Command(name = "test")
  static final class Host {
    @Mixin MutationOptions options = new MutationOptions();
  }

  private static WebhookSettings parse(String... args) {
    Host host = new Host();
    new CommandLine(host).parseArgs(args);
    return host.options.toSettings(SidecarSettings.defaults());
  }

  @Test
  void defaultsMatchTheMutationDefaults() {
    assertThat(parse()).isEqualTo(WebhookSettings.defaults());
  }

  @Test
  void flagsOverrideEveryDefault() {
    WebhookSettings settings = parse("--annotation-prefix", "wif.example.com", "--token-audience", "my-aud",
        "--token-expiration", "3600", "--token-default-mode", "0440", "--gcp-default-region", "europe-west1");

    assertThat(settings).isEqualTo(new WebhookSettings("wif.example.com", "my-aud", 3600, 0440, "europe-west1",
        SidecarSettings.defaults()));
  }

  @Test
  void fileModeAcceptsOctalAndDecimal() {
    FileModeConverter converter = new FileModeConverter();
    assertThat(converter.convert("0444")).isEqualTo(0444);
    assertThat(converter.convert("0o640")).isEqualTo(0640);
    assertThat(converter.convert("292")).isEqualTo(0444);
  }

  @Test
  void durationsAcceptKubernetesStyleAndIso() {
    DurationConverter converter = new DurationConverter();
    assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(converter.convert("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(converter.convert("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(converter.convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(converter.convert("PT2S")).isEqualTo(Duration.ofSeconds(2));
  }
}
