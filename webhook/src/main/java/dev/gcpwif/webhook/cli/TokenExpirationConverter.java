package dev.gcpwif.webhook.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Seconds of a projected token's lifetime; the API server rejects anything under 600. */
public final class TokenExpirationConverter implements ITypeConverter<Long> {
  static final long MINIMUM_SECONDS = 600;

  @Override
  public Long convert(String value) {
    long seconds;
    try {
      seconds = Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + value + "' is not a number of seconds (expected e.g. 86400)");
    }
    if (seconds < MINIMUM_SECONDS) {
      throw new TypeConversionException(
          "'" + value + "' is too short: Kubernetes requires a projected token lifetime of at least 600 seconds");
    }
    return seconds;
  }
}
