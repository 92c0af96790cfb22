package dev.gcpwif.webhook.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GoBindAddressTest {

  @Test
  void anEmptyHostIsEveryInterfaceAsInGo() {
    assertThat(GoBindAddress.parse("--metrics-bind-address", ":8080")).contains(new GoBindAddress(null, 8080));
  }

  @Test
  void hostsAndBracketedIpv6AreKept() {
    assertThat(GoBindAddress.parse("--metrics-bind-address", "127.0.0.1:8080"))
        .contains(new GoBindAddress("127.0.0.1", 8080));
    assertThat(GoBindAddress.parse("--metrics-bind-address", "0.0.0.0:8081"))
        .contains(new GoBindAddress("0.0.0.0", 8081));
    assertThat(GoBindAddress.parse("--metrics-bind-address", "[::1]:8081")).contains(new GoBindAddress("::1", 8081));
    assertThat(GoBindAddress.parse("--metrics-bind-address", "localhost:0")).contains(new GoBindAddress("localhost", 0));
  }

  @Test
  void zeroDisablesAndAbsentIsOff() {
    assertThat(GoBindAddress.parse("--metrics-bind-address", "0")).isEmpty();
    assertThat(GoBindAddress.parse("--metrics-bind-address", null)).isEmpty();
    assertThat(GoBindAddress.parse("--metrics-bind-address", "")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"8080", "127.0.0.1", ":http", ":70000", "::1:8080", "[::1:8080", "host:", ":-1"})
  void otherFormsAreAUsageErrorNamingTheFlagAndValue(String value) {
    assertThatThrownBy(() -> GoBindAddress.parse("--health-probe-bind-address", value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--health-probe-bind-address=" + value + ": expected HOST:PORT as the Go webhook takes it (:8080 "
            + "for every interface, 127.0.0.1:8080, [::1]:8080), or 0 to disable");
  }

  @Test
  void displayIsAsWritten() {
    assertThat(new GoBindAddress(null, 8080).display(8080)).isEqualTo(":8080");
    assertThat(new GoBindAddress("::1", 0).display(4321)).isEqualTo("[::1]:4321");
  }
}
