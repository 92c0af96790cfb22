package dev.gcpwif.webhook.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The table tests' comparison with {@code expected.yaml}: on a mismatch (or a case without one) the actual rendering is
 * written under {@code target/} first, so that an intended change is reviewed as a diff and copied over, not retyped.
 */
public final class ExpectedRendering {
  private ExpectedRendering() {}

  /** @param expected the case's expected YAML, or null when the case has no expected.yaml yet */
  public static void assertRendering(String actual, String expected, Path writeActualTo) throws IOException {
    if (!actual.equals(expected)) {
      Files.createDirectories(writeActualTo.getParent());
      Files.writeString(writeActualTo, actual);
    }
    assertThat(actual).as("rendering (actual written to %s)", writeActualTo).isEqualTo(expected);
  }
}
