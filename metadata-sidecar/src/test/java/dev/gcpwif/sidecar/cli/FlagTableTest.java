package dev.gcpwif.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gcpwif.sidecar.cli.Flag.Kind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parser on a table of its own: the forms a value can take, where it comes from, and what is refused. */
class FlagTableTest {
  private static final Flag NAME = Flag.value("--name", Kind.TEXT, "NAME").env("APP_NAME").describedAs("who");
  private static final Flag HOSTS = Flag.value("--host", Kind.LIST, "HOST").env("APP_HOSTS").byDefault("a.example")
      .describedAs("where; repeatable or comma-separated");
  private static final Flag PORT = Flag.value("--port", Kind.NUMBER, "PORT").env("APP_PORT").byDefault("80")
      .describedAs("which port");
  private static final Flag QUIET = Flag.toggle("-q", "--quiet").describedAs("say less");
  private static final FlagTable TABLE = new FlagTable("Usage: app [FLAG]...", List.of("Does things."),
      List.of(NAME, HOSTS, PORT, QUIET));

  private static Arguments parse(Map<String, String> env, String... args) throws UsageException {
    return TABLE.parse(args, env);
  }

  private static String refusal(String... args) {
    try {
      TABLE.parse(args, Map.of());
    } catch (UsageException e) {
      return e.getMessage() + e.suggestion().map(flag -> " / " + flag).orElse("");
    }
    throw new AssertionError("accepted: " + String.join(" ", args));
  }

  @Test
  void aValueIsTheNextArgumentOrAfterTheEqualsSign() throws Exception {
    assertThat(parse(Map.of(), "--name", "x").text(NAME)).isEqualTo("x");
    assertThat(parse(Map.of(), "--name=x").text(NAME)).isEqualTo("x");
    assertThat(parse(Map.of(), "--name=a=b").text(NAME)).as("only the first '=' separates").isEqualTo("a=b");
    assertThat(parse(Map.of(), "--name=").text(NAME)).isEmpty();
    assertThat(parse(Map.of(), "--port", "-1").number(PORT)).as("a negative number is a value").isEqualTo(-1);
    assertThat(parse(Map.of(), "--port=+8").number(PORT)).isEqualTo(8);
  }

  @Test
  void aListIsRepeatableAndCommaSeparatedAndReplacesItsDefault() throws Exception {
    assertThat(parse(Map.of(), "--host", "b", "--host=c,d", "--host", "e").list(HOSTS)).containsExactly("b", "c", "d", "e");
    assertThat(parse(Map.of()).list(HOSTS)).containsExactly("a.example");
    assertThat(parse(Map.of("APP_HOSTS", "x,y")).list(HOSTS)).containsExactly("x", "y");
    assertThat(parse(Map.of("APP_HOSTS", "x,y"), "--host", "z").list(HOSTS)).containsExactly("z");
  }

  @Test
  void theFlagWinsOverItsVariableWhichWinsOverTheDefault() throws Exception {
    assertThat(parse(Map.of()).number(PORT)).isEqualTo(80);
    assertThat(parse(Map.of("APP_PORT", "81")).number(PORT)).isEqualTo(81);
    assertThat(parse(Map.of("APP_PORT", "81"), "--port", "82").number(PORT)).isEqualTo(82);
    assertThat(parse(Map.of()).text(NAME)).as("no flag, variable or default").isNull();
    assertThat(parse(Map.of("APP_NAME", "")).text(NAME)).as("an empty variable is a value").isEmpty();
  }

  @Test
  void aMissingValueIsRefusedAtTheEndAndBeforeAnotherFlag() {
    assertThat(refusal("--port", "1", "--name")).isEqualTo("--name: missing NAME at the end");
    assertThat(refusal("--name", "--port", "1")).isEqualTo("--name: missing NAME before --port");
    assertThat(refusal("--name", "-q")).isEqualTo("--name: missing NAME before -q");
    assertThat(refusal("--name", "--unknown")).isEqualTo("--name: missing NAME before --unknown");
  }

  @Test
  void anUnknownFlagIsRefusedWithTheClosestKnownOneIfAnyIsClose() {
    assertThat(refusal("--nmae", "x")).isEqualTo("unknown flag '--nmae' / --name");
    assertThat(refusal("--hosts=b")).isEqualTo("unknown flag '--hosts' / --host");
    assertThat(refusal("-port", "1")).isEqualTo("unknown flag '-port' / --port");
    assertThat(refusal("--qui")).as("two edits away").isEqualTo("unknown flag '--qui' / --quiet");
    assertThat(refusal("--quux")).as("three edits away").isEqualTo("unknown flag '--quux'");
    assertThat(refusal("--port-number")).as("only a prefix of a known flag is guessed from").isEqualTo("unknown flag '--port-number'");
    assertThat(refusal("--hos")).isEqualTo("unknown flag '--hos' / --host");
    assertThat(refusal("--verbose")).isEqualTo("unknown flag '--verbose'");
    assertThat(refusal("-x")).isEqualTo("unknown flag '-x'");
  }

  @Test
  void aValueWithoutItsFlagAndASecondValueForAOneValueFlagAreRefused() {
    assertThat(refusal("--name", "a", "b")).isEqualTo("unexpected argument 'b': every value follows its flag (--flag VALUE)");
    assertThat(refusal("--name", "a", "--name=b")).isEqualTo("--name is given more than once; it takes one NAME");
  }

  @Test
  void aNumberIsDecimalAndABadOneNamesWhereItCameFrom() throws Exception {
    assertThat(refusal("--port", "0x50")).isEqualTo("--port '0x50': expected a whole number");
    assertThat(refusal("--port", "99999999999")).isEqualTo("--port '99999999999': too large");
    assertThatThrownBy(() -> parse(Map.of("APP_PORT", " 80")))
        .hasMessage("--port ' 80' (from APP_PORT): expected a whole number");
  }

  @Test
  void aSwitchTakesNoValueOrTrueOrFalse() throws Exception {
    assertThat(parse(Map.of()).isOn(QUIET)).isFalse();
    assertThat(parse(Map.of(), "-q").isOn(QUIET)).isTrue();
    assertThat(parse(Map.of(), "--quiet").isOn(QUIET)).isTrue();
    assertThat(parse(Map.of(), "--quiet=FALSE").isOn(QUIET)).isFalse();
    assertThat(refusal("--quiet=maybe")).isEqualTo("--quiet 'maybe': expected true or false, or no value");
  }

  @Test
  void helpListsEachFlagWithItsValueVariableAndDefaultWrappedAtSpaces() {
    FlagTable wide = new FlagTable("Usage: app", List.of("word ".repeat(30).trim()), List.of(
        Flag.value("--url", Kind.TEXT, "URL").env("APP_URL").byDefault("https://example.com/a/very/long/path/"
            + "that/is/longer/than/the/description/column/of/the/help/text/which/is/seventy-four")
            .describedAs("where to go"),
        NAME, HOSTS, QUIET));
    assertThat(wide.help()).isEqualTo("""
        Usage: app

        word word word word word word word word word word word word word word word word
        word word word word word word word word word word word word word word

        Flags (--flag VALUE or --flag=VALUE):
          --url URL
              where to go (env APP_URL). Default:
              https://example.com/a/very/long/path/that/is/longer/than/the/description/column/of/the/help/text/which/is/seventy-four
          --name NAME
              who (env APP_NAME)
          --host HOST[,HOST...]
              where; repeatable or comma-separated (env APP_HOSTS). Default: a.example
          -q, --quiet
              say less
        """);
  }

  @Test
  void aNameDeclaredTwiceIsAProgrammingError() {
    assertThatThrownBy(() -> new FlagTable("", List.of(), List.of(NAME, Flag.toggle("--name"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--name");
  }

  @Test
  void distanceCountsSingleCharacterEdits() {
    assertThat(FlagTable.distance("listen", "listen")).isZero();
    assertThat(FlagTable.distance("listn", "listen")).isEqualTo(1);
    assertThat(FlagTable.distance("lsiten", "listen")).isEqualTo(2);
    assertThat(FlagTable.distance("", "port")).isEqualTo(4);
  }
}
