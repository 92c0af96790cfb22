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

  /**
   * The Go webhook put any value into the impersonation URL {@code …/serviceAccounts/EMAIL:generateAccessToken}, so a
   * value that is not an address (a typo, a placeholder) is used as given, with a warning: it denies no pod, and the
   * token exchange tells the owner soon enough. A character that would make the value another URL (a path, query or
   * fragment, a percent escape) or that kubectl would not show (whitespace, control characters) is refused: with it
   * the pod would impersonate through a URL nobody wrote. Surrounding whitespace is dropped, with a warning.
   *
   * @return the email, or empty when the value is blank (no service account to impersonate)
   */
  static Optional<String> email(String annotation, String value, List<String> warnings)
      throws InvalidAnnotationException {
    String email = value.strip();
    if (email.isEmpty()) {
      warnings.add(annotation + "=\"" + shown(value) + "\": empty, so no service account is impersonated; the pod"
          + " uses its federated identity directly");
      return Optional.empty();
    }
    if (email.codePoints().anyMatch(AnnotationValues::changesTheImpersonationUrl)) {
      throw new InvalidAnnotationException(annotation, shown(value), "a Google service account email, like"
          + " NAME@PROJECT_ID.iam.gserviceaccount.com, without /, ?, #, %, \\, whitespace or control characters"
          + " (they would change the impersonation URL)");
    }
    if (!EMAIL.matcher(email).matches()) {
      warnings.add(annotation + "=\"" + shown(value) + "\": used as given, but it is not an email address: impersonating"
          + " it will fail until it names a Google service account, like NAME@PROJECT_ID.iam.gserviceaccount.com");
    } else if (!email.equals(value)) {
      warnings.add(annotation + "=\"" + shown(value) + "\": read as \"" + email + "\"; surrounding whitespace dropped");
    }
    return Optional.of(email);
  }

  private static boolean changesTheImpersonationUrl(int c) {
    return c == '/' || c == '?' || c == '#' || c == '%' || c == '\\' || Character.isWhitespace(c)
        || Character.isISOControl(c) || Character.isSpaceChar(c);
  }

  /**
   * The Go webhook used the value as given. Surrounding whitespace (a pasted space, a YAML block's final line break)
   * is dropped and an empty value means {@code defaultAudience}, each with a warning; whitespace or a control
   * character inside is no audience a provider can allow, and denies the pod.
   */
  static String audience(String annotation, String value, String defaultAudience, List<String> warnings)
      throws InvalidAnnotationException {
    String audience = value.strip();
    if (audience.isEmpty()) {
      warnings.add(annotation + "=\"" + shown(value) + "\": empty, so the default audience \"" + defaultAudience
          + "\" is used");
      return defaultAudience;
    }
    if (!isAudience(audience)) {
      throw new InvalidAnnotationException(annotation, shown(value), "a token audience without whitespace or control"
          + " characters inside");
    }
    if (!audience.equals(value)) {
      warnings.add(annotation + "=\"" + shown(value) + "\": read as \"" + audience + "\"; surrounding whitespace dropped");
    }
    return audience;
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

  /**
   * The project ID, or empty when the value is not one: the Go webhook put any value into CLOUDSDK_CORE_PROJECT, which
   * breaks only gcloud's project default, so a malformed value is ignored (the caller warns, saying what is used
   * instead) rather than denying the pod.
   */
  static Optional<String> projectId(String value) {
    String id = value.strip();
    return PROJECT_ID.matcher(id).matches() ? Optional.of(id) : Optional.empty();
  }

  static final String PROJECT_ID_FORM =
      "a Google Cloud project ID (6-30 lower-case letters, digits and dashes, starting with a letter)";

  /**
   * The value with control characters written as escapes: warnings reach kubectl in an HTTP {@code Warning} header,
   * which cannot carry a line break, and a terminal would act on the other control characters.
   */
  static String shown(String value) {
    StringBuilder out = new StringBuilder();
    value.codePoints().forEach(c -> {
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> out.append(Character.isISOControl(c) ? String.format("\\u%04x", c) : Character.toString(c));
      }
    });
    return out.toString();
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
