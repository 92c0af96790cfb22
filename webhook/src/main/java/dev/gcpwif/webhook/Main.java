package dev.gcpwif.webhook;

import dev.gcpwif.webhook.serve.ServeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code webhook.jar}. */
@Command(
    name = "webhook",
    subcommands = {ServeCommand.class},
    mixinStandardHelpOptions = true,
    description = "Google Cloud Workload Identity Federation for Kubernetes pods.")
public final class Main {
  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
