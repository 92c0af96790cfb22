package dev.gcpwif.webhook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class TokenExpirationConverterTest {
  @ParameterizedTest(name = "{0} = {1} s")
  @CsvSource({"86400, 86400", "24h, 86400", "90m, 5400", "3600s, 3600", "1h30m, 5400", "1.5h, 5400",
      "600000ms, 600", "' 2h ', 7200", "10m0.9s, 600"})
  void acceptsSecondsAndGoDurationsAsTheGoWebhooksChartPassesThem(String value, long seconds) {
    assertThat(new TokenExpirationConverter().convert(value)).isEqualTo(seconds);
  }

  @ParameterizedTest
  @ValueSource(strings = {"60", "5m", "599s", "1 hour", "24H", "1d", "-1h", "h", ""})
  void rejectsWhatIsNotALifetimeOfAtLeast600Seconds(String value) {
    assertThatThrownBy(() -> new TokenExpirationConverter().convert(value))
        .isInstanceOf(TypeConversionException.class).hasMessageContaining("'" + value + "'");
  }
}
