package dev.gcpwif.webhook.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A file mode as users write it: octal with a leading zero ({@code 0444}, {@code 0o444}) like chmod, or decimal
 * ({@code 292}) as it appears in a Pod's {@code defaultMode}.
 */
public final class FileModeConverter implements ITypeConverter<Integer> {
  private static final int MAX_MODE = 0777;

  @Override
  public Integer convert(String value) {
    String text = value.trim();
    int mode;
    try {
      if (text.startsWith("0o") || text.startsWith("0O")) {
        mode = Integer.parseInt(text.substring(2), 8);
      } else if (text.length() > 1 && text.startsWith("0")) {
        mode = Integer.parseInt(text.substring(1), 8);
      } else {
        mode = Integer.parseInt(text);
      }
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + value + "' is not a file mode (expected octal like 0444 or decimal like 292)");
    }
    if (mode < 0 || mode > MAX_MODE) {
      throw new TypeConversionException("'" + value + "' is out of range (expected 0000 to 0777)");
    }
    return mode;
  }
}
