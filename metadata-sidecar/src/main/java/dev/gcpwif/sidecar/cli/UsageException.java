package dev.gcpwif.sidecar.cli;

import java.util.Optional;

/** A command line that cannot run: one line for the user, and for an unknown flag the flag probably meant. */
public final class UsageException extends Exception {
  private final String suggestion;

  public UsageException(String message) {
    this(message, null);
  }

  UsageException(String message, String suggestion) {
    super(message, null, false, false); // the message is the whole story; nobody reads this stack trace
    this.suggestion = suggestion;
  }

  /** A known flag close to the unknown one given, if any. */
  public Optional<String> suggestion() {
    return Optional.ofNullable(suggestion);
  }
}
