package dev.gcpwif.webhook.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as Kubernetes users write them: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 90d}, or
 * ISO-8601 ({@code PT720H}).
 */
public final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SIMPLE = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  @Override
  public Duration convert(String value) {
    String text = value.strip();
    Matcher m = SIMPLE.matcher(text);
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
    }
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw new TypeConversionException("'" + value + "' is not a duration: expected a number with a unit ms, s, m, h"
          + " or d (e.g. 10s, 2160h, 90d) or ISO-8601 (e.g. PT720H)");
    }
  }

  /** A duration as a user would have written it ({@code 0s}, {@code 500ms}, {@code 30s}), for error messages. */
  public static String text(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }
}
