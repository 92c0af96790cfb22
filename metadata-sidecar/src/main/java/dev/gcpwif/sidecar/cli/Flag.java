package dev.gcpwif.sidecar.cli;

import java.util.List;
import java.util.Objects;

/**
 * One command-line flag: its names, the value it takes, the environment variable that stands in for it and what it
 * is when neither is given. {@link FlagTable} parses and prints help from the same objects, so help cannot name an
 * environment variable or a default that parsing does not use.
 */
public final class Flag {
  /** What the value is: checked at parse time, so a bad number is a usage error naming the flag. */
  public enum Kind {
    /** a string, as given */
    TEXT,
    /** repeatable, and each value a comma-separated list: {@code --listen a --listen b,c} is {@code [a, b, c]} */
    LIST,
    /** a decimal {@code int} */
    NUMBER,
    /** no value ({@code --train}), or {@code =true} / {@code =false} */
    SWITCH
  }

  private final List<String> names;
  private final Kind kind;
  private final String label;
  private final String env;
  private final String defaultValue;
  private final String whenAbsent;
  private final String description;

  private Flag(List<String> names, Kind kind, String label, String env, String defaultValue, String whenAbsent,
      String description) {
    this.names = List.copyOf(names);
    this.kind = kind;
    this.label = label;
    this.env = env;
    this.defaultValue = defaultValue;
    this.whenAbsent = whenAbsent;
    this.description = description;
  }

  /** A flag taking a value, shown in help as {@code name label}. */
  public static Flag value(String name, Kind kind, String label) {
    if (kind == Kind.SWITCH) {
      throw new IllegalArgumentException(name + ": a switch takes no value, use Flag.toggle");
    }
    return new Flag(List.of(name), kind, Objects.requireNonNull(label), null, null, null, "");
  }

  /** A flag without a value; its names in the order help shows them ({@code -h, --help}). */
  public static Flag toggle(String... names) {
    return new Flag(List.of(names), Kind.SWITCH, null, null, null, null, "");
  }

  /** The environment variable read when the flag is not given. An empty variable is a value, as it always was. */
  public Flag env(String variable) {
    return new Flag(names, kind, label, variable, defaultValue, whenAbsent, description);
  }

  /** The value when neither the flag nor its variable is given; help shows it as "Default: value". */
  public Flag byDefault(String value) {
    return new Flag(names, kind, label, env, value, whenAbsent, description);
  }

  /**
   * What help says when there is no default value ("Required", "Default: off"): absence means something to the
   * program (checked after parsing), which a value could not express.
   */
  public Flag whenAbsent(String sentence) {
    return new Flag(names, kind, label, env, defaultValue, sentence, description);
  }

  public Flag describedAs(String text) {
    return new Flag(names, kind, label, env, defaultValue, whenAbsent, text);
  }

  /** The name users type and messages use: the longest ({@code --help}, not {@code -h}). */
  public String name() {
    return names.get(names.size() - 1);
  }

  public List<String> names() {
    return names;
  }

  public Kind kind() {
    return kind;
  }

  /** What the value stands for in help and messages ({@code HOST:PORT}); none for a switch. */
  public String label() {
    return label;
  }

  public String env() {
    return env;
  }

  public String defaultValue() {
    return defaultValue;
  }

  /** The description as written, without the environment variable and default that help adds. */
  public String description() {
    return description;
  }

  /** The description, the environment variable and the default or what absence means, as help shows them. */
  public String help() {
    StringBuilder help = new StringBuilder(description);
    if (env != null) {
      help.append(" (env ").append(env).append(')');
    }
    String absent = defaultValue != null ? "Default: " + defaultValue : whenAbsent;
    if (absent != null) {
      help.append(". ").append(absent);
    }
    return help.toString();
  }

  @Override
  public String toString() {
    return name();
  }
}
