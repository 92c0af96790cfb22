package dev.gcpwif.webhook;

import dev.gcpwif.webhook.cli.SpaceWrappingHelp;
import dev.gcpwif.webhook.cli.UsageErrorHandler;
import dev.gcpwif.webhook.cli.VersionProvider;
import dev.gcpwif.webhook.inject.AuditCommand;
import dev.gcpwif.webhook.inject.InjectCommand;
import dev.gcpwif.webhook.serve.ServeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code webhook.jar}: {@code serve} runs the admission server, {@code inject} mutates files,
 * {@code audit} checks pods.
 */
@Command(
    name = "webhook.jar",
    versionProvider = VersionProvider.class,
    subcommands = {ServeCommand.class, InjectCommand.class, AuditCommand.class},
    mixinStandardHelpOptions = true,
    description = "Google Cloud Workload Identity Federation for Kubernetes pods outside Google Cloud.")
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine(CommandLine.defaultFactory()).execute(args));
  }

  /** The command line as {@link #main} runs it: short usage errors, help that never breaks inside a name. */
  public static CommandLine commandLine(CommandLine.IFactory factory) {
    CommandLine commandLine = new CommandLine(new Main(), factory);
    commandLine.setParameterExceptionHandler(new UsageErrorHandler("java -jar webhook.jar"));
    commandLine.setHelpFactory(SpaceWrappingHelp.FACTORY);
    return commandLine;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: serve, inject or audit");
  }
}
