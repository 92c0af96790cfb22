package dev.gcpwif.webhook.mutation.core;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing and validation of annotation values; every failure names the annotation, the value and the form. */
public final class AnnotationValues {
  /**
   * One of {@code choices}, each written as {@code written} gives it, matched case-insensitively as the Go webhook
   * matches its modes: a value not written in lower case is used, with a warning saying how it was read.
   */
  static <E extends Enum<E>> E choice(String annotation, String value, List<String> warnings, E[] choices,
      Function<E, String> written, String expected) throws InvalidAnnotationException {
    for (E choice : choices) {
      if (written.apply(choice).equals(value.trim())) {
        return choice;
      }
      if (written.apply(choice).equalsIgnoreCase(value.trim())) {
        warnings.add(annotation + "=\"" + value + "\": read as \"" + written.apply(choice)
            + "\"; modes are written in lower case");
        return choice;
      }
    }
    throw new InvalidAnnotationException(annotation, value, expected);
  }

  /** The API server's minimum for a projected token's {@code expirationSeconds}; flags and annotations alike. */
  public static final long MIN_TOKEN_EXPIRATION_SECONDS = 600;
  static final long MAX_TOKEN_EXPIRATION_SECONDS = 1L << 32;

  // Google service account emails end in .iam.gserviceaccount.com, but default ones do not
  // (PROJECT_NUMBER-compute@developer.gserviceaccount.com, PROJECT_ID@appspot.gserviceaccount.com): accept any
  // plain address, and nothing that could escape the URL path it is put into.
  private static final Pattern EMAIL =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]*@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+");
  private static final Pattern PROJECT_FROM_EMAIL =
      Pattern.compile("[^@]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\\.iam\\.gserviceaccount\\.com");
  private static final Pattern PROJECT_ID =
      Pattern.compile("([a-z0-9][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]");
  private static final Pattern INTEGER = Pattern.compile("([+-]?)([0-9]+)");

  private AnnotationValues() {}

  static String email(String annotation, String value) throws InvalidAnnotationException {
    String email = value.trim();
    if (!EMAIL.matcher(email).matches()) {
      throw new InvalidAnnotationException(
          annotation, value, "a Google service account email, like NAME@PROJECT_ID.iam.gserviceaccount.com");
    }
    return email;
  }

  static String audience(String annotation, String value) throws InvalidAnnotationException {
    if (!isAudience(value)) {
      throw new InvalidAnnotationException(annotation, value, "a non-empty token audience without whitespace");
    }
    return value;
  }

  static boolean isAudience(String value) {
    return value != null && !value.isEmpty() && value.codePoints().noneMatch(c -> Character.isWhitespace(c)
        || Character.isISOControl(c));
  }

  /**
   * Any whole number is used, as the Go webhook used it: one outside what the API server accepts for a projected
   * token is raised or lowered to the nearest bound, with a warning in {@code warnings}. Only a value that is not a
   * whole number denies the pod.
   */
  static long tokenExpiration(String annotation, String value, List<String> warnings)
      throws InvalidAnnotationException {
    Matcher number = INTEGER.matcher(value.trim());
    if (!number.matches()) {
      throw new InvalidAnnotationException(annotation, value, "a whole number of seconds (the API server allows "
          + MIN_TOKEN_EXPIRATION_SECONDS + " to " + MAX_TOKEN_EXPIRATION_SECONDS + ")");
    }
    boolean negative = "-".equals(number.group(1));
    String digits = number.group(2).replaceFirst("^0+(?=.)", "");
    // More than 18 digits is beyond any bound, and beyond a long: compare by length rather than parse.
    long seconds = digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
    if (negative && seconds != 0) {
      seconds = -seconds;
    }
    long used = Math.max(MIN_TOKEN_EXPIRATION_SECONDS, Math.min(MAX_TOKEN_EXPIRATION_SECONDS, seconds));
    if (used != seconds) {
      warnings.add(annotation + "=\"" + value + "\": " + (used > seconds ? "raised" : "lowered") + " to " + used
          + " seconds, the " + (used > seconds ? "shortest" : "longest")
          + " lifetime the API server allows for a projected token");
    }
    return used;
  }

  static boolean isTokenExpiration(long seconds) {
    return seconds >= MIN_TOKEN_EXPIRATION_SECONDS && seconds <= MAX_TOKEN_EXPIRATION_SECONDS;
  }

  static String projectId(String annotation, String value) throws InvalidAnnotationException {
    String id = value.trim();
    if (!PROJECT_ID.matcher(id).matches()) {
      throw new InvalidAnnotationException(annotation, value,
          "a Google Cloud project ID (6-30 lower-case letters, digits and dashes, starting with a letter)");
    }
    return id;
  }

  /** The project of a {@code NAME@PROJECT.iam.gserviceaccount.com} address; other addresses do not tell it. */
  static Optional<String> projectOfEmail(String email) {
    Matcher matcher = PROJECT_FROM_EMAIL.matcher(email);
    return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
  }

  /**
   * The names of a skip-containers value, separated by {@code ,} or {@code ;} (Azure Workload Identity's separator,
   * which users copy) with any spaces around them. A name cannot be wrong here: one that is no container's name
   * skips nothing, and the resolver warns about it.
   */
  public static Set<String> containerNames(String annotation, String value) {
    Set<String> names = new LinkedHashSet<>();
    for (String part : value.split("[,;]", -1)) {
      String name = part.strip();
      if (!name.isEmpty()) {
        names.add(name);
      }
    }
    return names;
  }
}
