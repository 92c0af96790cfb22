package dev.gcpwif.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class MainTest {
  @ParameterizedTest
  @ValueSource(strings = {"", "serve", "inject", "audit"})
  void versionFlagPrintsTheVersionOnEveryCommand(String subcommand) {
    StringWriter out = new StringWriter();
    CommandLine commandLine = Main.commandLine(CommandLine.defaultFactory()).setOut(new PrintWriter(out));
    String[] args = subcommand.isEmpty() ? new String[] {"-V"} : new String[] {subcommand, "-V"};

    assertThat(commandLine.execute(args)).isZero();
    assertThat(out.toString()).startsWith("gcp-wif webhook ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"serve", "inject", "audit"})
  void withoutASubcommandTheUsageNamesEach(String subcommand) {
    StringWriter err = new StringWriter();
    CommandLine commandLine = Main.commandLine(CommandLine.defaultFactory()).setErr(new PrintWriter(err));

    assertThat(commandLine.execute()).isEqualTo(2);
    assertThat(err.toString()).contains("a subcommand is required").contains(subcommand);
  }
}
