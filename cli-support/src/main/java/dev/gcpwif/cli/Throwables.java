package dev.gcpwif.cli;

/** What a one-line error tells of an exception: the innermost cause says what went wrong (address in use, ...). */
public final class Throwables {
  private Throwables() {}

  /** The root cause's message, or the root cause itself where it has none. */
  public static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
