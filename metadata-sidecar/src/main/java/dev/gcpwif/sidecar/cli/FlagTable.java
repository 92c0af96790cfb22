package dev.gcpwif.sidecar.cli;

import dev.gcpwif.cli.SpaceWrapping;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sidecar's flags, parsed and shown in help from one list. Hand-written rather than picocli: picocli's 172 Java 5
 * class files cannot be put in a CDS archive, and cost every pod's sidecar about 3 MiB of resident memory and a few
 * hundred ms of start (BENCHMARKS.md, issue 14) for ten flags. What picocli did for them is kept: {@code --flag VALUE}
 * and {@code --flag=VALUE}, environment variables standing in for absent flags, repeatable comma-separated lists,
 * values checked at parse time, the closest flag suggested for an unknown one.
 */
public final class FlagTable {
  /** Help's width: fixed, so help reads the same in a pod's log, a terminal and a test. */
  public static final int WIDTH = 80;
  private static final String INDENT = "      ";

  private final String usage;
  private final List<String> paragraphs;
  private final List<Flag> flags;
  private final Map<String, Flag> byName = new LinkedHashMap<>();

  /**
   * @param usage the first line of help
   * @param paragraphs what the program does, each paragraph wrapped to the width
   * @param flags in the order help lists them
   */
  public FlagTable(String usage, List<String> paragraphs, List<Flag> flags) {
    this.usage = usage;
    this.paragraphs = List.copyOf(paragraphs);
    this.flags = List.copyOf(flags);
    for (Flag flag : flags) {
      for (String name : flag.names()) {
        if (byName.put(name, flag) != null) {
          throw new IllegalArgumentException(name + " is declared twice");
        }
      }
    }
  }

  public List<Flag> flags() {
    return flags;
  }

  /**
   * Each flag's value: the last given in {@code args} (every one, for a list), else its variable in {@code env}, else
   * its default.
   */
  public Arguments parse(String[] args, Map<String, String> env) throws UsageException {
    Map<Flag, Object> values = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      int equals = arg.startsWith("--") ? arg.indexOf('=') : -1;
      String name = equals < 0 ? arg : arg.substring(0, equals);
      Flag flag = byName.get(name);
      if (flag == null) {
        throw arg.startsWith("-") && arg.length() > 1
            ? new UsageException("unknown flag '" + name + "'", suggestion(name))
            : new UsageException("unexpected argument '" + arg + "': every value follows its flag (--flag VALUE)");
      }
      String value;
      if (equals >= 0) {
        value = arg.substring(equals + 1);
      } else if (flag.kind() == Flag.Kind.SWITCH) {
        value = "true";
      } else if (i + 1 == args.length || looksLikeAFlag(args[i + 1])) {
        // A flag as the value is a forgotten value, not a value that happens to start with '-' (a port of -1 is one).
        throw new UsageException(flag + ": missing " + flag.label()
            + (i + 1 == args.length ? " at the end" : " before " + args[i + 1]));
      } else {
        value = args[++i];
      }
      if (values.containsKey(flag) && flag.kind() != Flag.Kind.LIST && flag.kind() != Flag.Kind.SWITCH) {
        throw new UsageException(flag + " is given more than once; it takes one " + flag.label());
      }
      values.merge(flag, convert(flag, value, null), FlagTable::concat);
    }
    for (Flag flag : flags) {
      if (values.containsKey(flag)) {
        continue;
      }
      if (flag.env() != null && env.containsKey(flag.env())) {
        values.put(flag, convert(flag, env.get(flag.env()), flag.env()));
      } else if (flag.defaultValue() != null) {
        values.put(flag, convert(flag, flag.defaultValue(), null));
      }
    }
    return new Arguments(values);
  }

  private boolean looksLikeAFlag(String arg) {
    return arg.startsWith("--") || byName.containsKey(arg);
  }

  @SuppressWarnings("unchecked")
  private static Object concat(Object given, Object more) {
    if (given instanceof List<?> list) {
      List<String> all = new ArrayList<>((List<String>) list);
      all.addAll((List<String>) more);
      return all;
    }
    return more; // a repeated switch: the last one counts
  }

  /** {@code from}: the environment variable the value came from, for the message; null for the command line. */
  private static Object convert(Flag flag, String value, String from) throws UsageException {
    String source = from == null ? "" : " (from " + from + ")";
    switch (flag.kind()) {
      case LIST:
        return List.of(value.split(",")); // as String.split: "a,,b" keeps the empty one, "a," does not
      case NUMBER:
        try {
          return Integer.parseInt(value);
        } catch (NumberFormatException e) {
          throw new UsageException(flag + " '" + value + "'" + source + ": "
              + (value.matches("[+-]?[0-9]+") ? "too large" : "expected a whole number"));
        }
      case SWITCH:
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
          return Boolean.valueOf(value);
        }
        throw new UsageException(flag + " '" + value + "'" + source + ": expected true or false, or no value");
      default:
        return value;
    }
  }

  /** The known flag {@code name} was probably meant to be: a typo or two away, or the start of it. */
  private String suggestion(String name) {
    String typed = name.replaceFirst("^-+", "");
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String known : byName.keySet()) {
      String bare = known.replaceFirst("^-+", "");
      int distance = typed.length() >= 4 && bare.startsWith(typed) ? 1 : distance(typed, bare);
      if (distance <= 2 && distance < bestDistance && bare.length() > 1) {
        best = known;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from a to b. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /**
   * Usage, paragraphs, then each flag on a line of its own with its description below, indented: a column beside
   * the names would be narrow beside {@code --numeric-project-id NUMBER}. Lines break only at spaces.
   */
  public String help() {
    StringBuilder help = new StringBuilder(usage).append('\n');
    for (String paragraph : paragraphs) {
      help.append('\n');
      for (String line : SpaceWrapping.lines(paragraph, WIDTH)) {
        help.append(line).append('\n');
      }
    }
    help.append("\nFlags (--flag VALUE or --flag=VALUE):\n");
    for (Flag flag : flags) {
      help.append("  ").append(String.join(", ", flag.names()));
      if (flag.kind() == Flag.Kind.LIST) {
        help.append(' ').append(flag.label()).append("[,").append(flag.label()).append("...]");
      } else if (flag.kind() != Flag.Kind.SWITCH) {
        help.append(' ').append(flag.label());
      }
      help.append('\n');
      for (String line : SpaceWrapping.lines(flag.help(), WIDTH - INDENT.length())) {
        help.append(INDENT).append(line).append('\n');
      }
    }
    return help.toString();
  }
}
