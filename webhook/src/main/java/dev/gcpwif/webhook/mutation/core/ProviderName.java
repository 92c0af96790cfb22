package dev.gcpwif.webhook.mutation.core;

import static dev.gcpwif.webhook.mutation.core.AnnotationValues.shown;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads the {@code workload-identity-provider} annotation. The Go webhook admitted any value of the shape
 * {@code projects/…/locations/…/workloadIdentityPools/…/providers/…} and wrote it into the audience as given, so a
 * ServiceAccount migrated from it may carry a project ID, an ID Google would never issue, or trailing spaces. Denying
 * those would stop pods the Go webhook started; so such a value is used, with a warning that says what Google's STS
 * expects. Only a value without that shape at all (the Go webhook denied those too), an empty one, or one with a
 * control character inside (never part of a resource name, and invisible in kubectl's output) denies the pod.
 */
final class ProviderName {
  static final String FORM =
      "projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL_ID/providers/PROVIDER_ID";

  // The Go webhook's own test: anything in each place, as long as it is there. "." stops at a line break.
  private static final Pattern SHAPE =
      Pattern.compile("projects/.+/locations/.+/workloadIdentityPools/.+/providers/.+");
  private static final Pattern NUMBER = Pattern.compile("[0-9]+");
  private static final Pattern LOCATION = Pattern.compile("[a-z0-9-]+");
  // Pool and provider IDs as Google issues them (4-32 lower-case letters, digits and dashes).
  private static final Pattern ID = Pattern.compile("[a-z0-9-]{4,32}");
  private static final List<String> URL_PREFIXES = List.of("//iam.googleapis.com/", "https://iam.googleapis.com/");

  private ProviderName() {}

  /** The provider's resource name, as written after {@code //iam.googleapis.com/} into the audience. */
  static String parse(String annotation, String value, List<String> warnings) throws InvalidAnnotationException {
    // Surrounding whitespace (a YAML block scalar's final line break, a pasted space) is dropped, with a warning.
    String name = value.strip();
    if (name.codePoints().anyMatch(Character::isISOControl)) {
      throw new InvalidAnnotationException(annotation, shown(value),
          FORM + " without control characters or line breaks inside");
    }
    for (String prefix : URL_PREFIXES) {
      if (name.startsWith(prefix)) {
        name = name.substring(prefix.length());
      }
    }
    if (name.isEmpty() || !SHAPE.matcher(name).matches()) {
      throw new InvalidAnnotationException(annotation, shown(value), FORM);
    }
    List<String> problems = problems(name);
    if (!problems.isEmpty()) {
      warnings.add(annotation + "=\"" + shown(value) + "\": used as \"" + name + "\", but Google STS expects the audience"
          + " //iam.googleapis.com/" + FORM + " (POOL_ID and PROVIDER_ID of 4-32 lower-case letters, digits and"
          + " dashes), and here " + String.join(", ", problems) + ": the token exchange will fail until the"
          + " annotation holds the name `gcloud iam workload-identity-pools providers describe` prints");
    } else if (!name.equals(value)) {
      warnings.add(annotation + "=\"" + shown(value) + "\": read as \"" + name + "\"; the annotation takes the provider's"
          + " resource name, which the webhook writes after //iam.googleapis.com/ into the audience");
    }
    return name;
  }

  private static List<String> problems(String name) {
    List<String> problems = new ArrayList<>();
    String[] parts = name.split("/", -1);
    if (parts.length != 8) {
      problems.add("the name has " + parts.length + " path segments instead of 8");
      return problems;
    }
    if (!NUMBER.matcher(parts[1]).matches()) {
      problems.add("\"" + parts[1] + "\" is not a project number");
    }
    if (!LOCATION.matcher(parts[3]).matches()) {
      problems.add("\"" + parts[3] + "\" is not a location like global");
    }
    if (!ID.matcher(parts[5]).matches()) {
      problems.add("\"" + parts[5] + "\" is not a pool ID");
    }
    if (!ID.matcher(parts[7]).matches()) {
      problems.add("\"" + parts[7] + "\" is not a provider ID");
    }
    return problems;
  }
}
