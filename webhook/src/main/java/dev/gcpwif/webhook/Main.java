package dev.gcpwif.webhook;

import dev.gcpwif.webhook.inject.InjectCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "webhook.jar", mixinStandardHelpOptions = true,
    description = "Google Cloud Workload Identity Federation for Kubernetes pods outside Google Cloud.",
    subcommands = {InjectCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }
}
