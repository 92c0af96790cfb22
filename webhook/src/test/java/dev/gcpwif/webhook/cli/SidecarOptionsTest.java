package dev.gcpwif.webhook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.webhook.mutation.core.SidecarSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine;

class SidecarOptionsTest {
  @Command(name = "test")
  static final class Host {
    @Mixin SidecarOptions options = new SidecarOptions();
  }

  private static SidecarSettings parse(String... args) {
    Host host = new Host();
    new CommandLine(host).parseArgs(args);
    return host.options.toSettings();
  }

  @Test
  void defaultsMatchTheSidecarDefaults() {
    assertThat(parse()).isEqualTo(SidecarSettings.defaults());
  }

  @Test
  void flagsOverrideEveryDefaultAndNoneRemovesALimit() {
    assertThat(parse("--sidecar-image", "img:2", "--sidecar-port", "7000", "--sidecar-health-port", "7001",
        "--sidecar-native", "false", "--sidecar-cpu-request", "50m", "--sidecar-cpu-limit", "1",
        "--sidecar-memory-request", "128Mi", "--sidecar-memory-limit", "none", "--sidecar-log-level", "warn",
        "--sidecar-image-pull-policy", "Never"))
        .isEqualTo(new SidecarSettings("img:2", 7000, 7001, "50m", "128Mi", "1", null, false, "warn", "Never"));
  }

  @Test
  void anUnknownLogLevelIsRefusedWithTheAcceptedValues() {
    assertThatThrownBy(() -> parse("--sidecar-log-level", "verbose"))
        .hasMessage("sidecar log level must be one of error, warn, info, debug, trace, got \"verbose\"");
  }
}
