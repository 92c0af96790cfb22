package dev.gcpwif.sidecar.cli;

import java.util.List;
import java.util.Map;

/** The parsed command line: each flag's value from the arguments, else its environment variable, else its default. */
public final class Arguments {
  private final Map<Flag, Object> values;

  Arguments(Map<Flag, Object> values) {
    this.values = Map.copyOf(values);
  }

  /** A {@link Flag.Kind#TEXT} flag's value; null when given nowhere and without default. */
  public String text(Flag flag) {
    return (String) value(flag, Flag.Kind.TEXT);
  }

  /** A {@link Flag.Kind#LIST} flag's values; empty when given nowhere and without default. */
  @SuppressWarnings("unchecked")
  public List<String> list(Flag flag) {
    Object list = value(flag, Flag.Kind.LIST);
    return list == null ? List.of() : (List<String>) list;
  }

  /** A {@link Flag.Kind#NUMBER} flag's value; null when given nowhere and without default. */
  public Integer number(Flag flag) {
    return (Integer) value(flag, Flag.Kind.NUMBER);
  }

  /** Whether a {@link Flag.Kind#SWITCH} is on. */
  public boolean isOn(Flag flag) {
    return Boolean.TRUE.equals(value(flag, Flag.Kind.SWITCH));
  }

  private Object value(Flag flag, Flag.Kind kind) {
    if (flag.kind() != kind) {
      throw new IllegalArgumentException(flag + " is a " + flag.kind() + " flag, not " + kind); // a programming error
    }
    return values.get(flag);
  }
}
