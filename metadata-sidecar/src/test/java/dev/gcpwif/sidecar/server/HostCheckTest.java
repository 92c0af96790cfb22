package dev.gcpwif.sidecar.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostCheckTest {
  private final HostCheck check = new HostCheck(Set.of("ip6-localhost", "127.0.0.1"));

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.0.0.1:8988", "127.1.2.3:80", "[::1]", "[::1]:8988",
      "[0:0:0:0:0:0:0:1]:8988", "localhost", "LOCALHOST:8988", "metadata", "metadata:80", "metadata.google.internal",
      "Metadata.Google.Internal:80", "metadata.google.internal.", "169.254.169.254", "169.254.169.254:80",
      "ip6-localhost", "ip6-localhost:8988", " 127.0.0.1:8988 ", ""})
  void servesLoopbackAndTheMetadataServersOwnNames(String host) {
    assertThat(check.admits(host)).as(host).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"evil.example", "evil.example:8988", "127.0.0.1.evil.example", "127.0.0.1.nip.io",
      "localhost.evil.example", "metadata.google.internal.evil.example", "metadata.google.internal..", "10.0.0.5",
      "10.0.0.5:8988", "[::2]", "[::ffff:7f00:1]", "127.0.0.256", "0x7f.0.0.1", "2130706433", "127.1", "[::1",
      "[::1]x", "[::1]:", "127.0.0.1:", "127.0.0.1:abc", "127.0.0.1:80:80", "::1", "169.254.169.254.nip.io",
      "localhost@evil.example", "local host"})
  void refusesEveryOtherName(String host) {
    assertThat(check.admits(host)).as(host).isFalse();
  }

  @org.junit.jupiter.api.Test
  void aRequestWithoutHostIsServed() {
    assertThat(check.admits(null)).isTrue();
  }
}
