package dev.gcpwif.webhook.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * A usage error (an unknown or missing flag, a flag value that does not convert or validate) prints its one line and
 * a pointer to {@code --help}, and exits 2. Picocli's default appends the whole help, about a hundred lines in which
 * the one that matters scrolls away.
 */
public final class UsageErrorHandler implements IParameterExceptionHandler {
  /** How the user starts the program, for the hint: {@code java -jar webhook.jar}. */
  private final String launcher;

  public UsageErrorHandler(String launcher) {
    this.launcher = launcher;
  }

  @Override
  public int handleParseException(ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    PrintWriter err = command.getErr();
    err.println("error: " + e.getMessage());
    UnmatchedArgumentException.printSuggestions(e, err);
    String subcommand = command.getCommandSpec().qualifiedName(" ");
    int space = subcommand.indexOf(' ');
    String path = space < 0 ? "" : subcommand.substring(space);
    err.println("Try '" + launcher + path + " --help' for the flags and their values.");
    err.flush();
    return command.getCommandSpec().exitCodeOnInvalidInput();
  }
}
