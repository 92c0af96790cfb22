package dev.gcpwif.webhook.cli;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A value of {@code --exclude-namespace} ({@code audit} and {@code serve}): a namespace name as Kubernetes allows it
 * (an RFC 1123 label), or empty, which excludes none.
 */
public final class NamespaceConverter implements ITypeConverter<String> {
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  @Override
  public String convert(String value) {
    if (!value.isEmpty() && !LABEL.matcher(value).matches()) {
      throw new TypeConversionException("'" + value + "' is not a namespace name (lower-case letters, digits and"
          + " '-', at most 63, starting and ending with a letter or digit)");
    }
    return value;
  }

  /** The namespaces the flag's values name: {@code --exclude-namespace=} (an empty value) adds none. */
  public static Set<String> excluded(List<String> values) {
    Set<String> excluded = new LinkedHashSet<>(values);
    excluded.remove("");
    return excluded;
  }
}
