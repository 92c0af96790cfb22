package dev.gcpwif.webhook.cli;

import static dev.gcpwif.webhook.mutation.core.AnnotationValues.MIN_TOKEN_EXPIRATION_SECONDS;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Seconds of a projected token's lifetime, as plain seconds ({@code 86400}) or a Go duration ({@code 24h},
 * {@code 90m}, {@code 1h30m}, {@code 3600s}), the form the Go webhook's {@code --token-expiration} takes, so its
 * chart's arguments keep working. The API server rejects anything under {@link
 * dev.gcpwif.webhook.mutation.core.AnnotationValues#MIN_TOKEN_EXPIRATION_SECONDS}.
 */
public final class TokenExpirationConverter implements ITypeConverter<Long> {
  private static final Pattern PLAIN = Pattern.compile("[0-9]{1,12}");
  private static final Pattern GO_DURATION = Pattern.compile("(?:[0-9]{1,12}(?:\\.[0-9]{1,9})?(?:h|ms|m|s|us|µs|ns))+");
  private static final Pattern PART = Pattern.compile("([0-9]{1,12}(?:\\.[0-9]{1,9})?)(h|ms|m|s|us|µs|ns)");

  @Override
  public Long convert(String value) {
    String text = value.trim();
    long seconds;
    if (PLAIN.matcher(text).matches()) {
      seconds = Long.parseLong(text);
    } else if (GO_DURATION.matcher(text).matches()) {
      seconds = goDurationSeconds(text);
    } else {
      throw new TypeConversionException("'" + value + "' is not a token lifetime (expected seconds, e.g. 86400, or a"
          + " Go duration, e.g. 24h, 90m, 3600s)");
    }
    if (seconds < MIN_TOKEN_EXPIRATION_SECONDS) {
      throw new TypeConversionException("'" + value + "' is too short: Kubernetes requires a projected token lifetime"
          + " of at least " + MIN_TOKEN_EXPIRATION_SECONDS + " seconds");
    }
    return seconds;
  }

  /** Whole seconds, a fraction dropped as the Go webhook's conversion drops it. */
  private static long goDurationSeconds(String text) {
    BigDecimal total = BigDecimal.ZERO;
    Matcher part = PART.matcher(text);
    while (part.find()) {
      BigDecimal seconds = switch (part.group(2)) {
        case "h" -> BigDecimal.valueOf(3600);
        case "m" -> BigDecimal.valueOf(60);
        case "s" -> BigDecimal.ONE;
        case "ms" -> new BigDecimal("0.001");
        case "us", "µs" -> new BigDecimal("0.000001");
        default -> new BigDecimal("0.000000001");
      };
      total = total.add(new BigDecimal(part.group(1)).multiply(seconds));
    }
    return total.min(BigDecimal.valueOf(Long.MAX_VALUE)).longValue();
  }
}
