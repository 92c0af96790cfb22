package dev.gcpwif.webhook.inject;

import dev.gcpwif.webhook.cli.MutationOptions;
import dev.gcpwif.webhook.cli.SidecarOptions;
import dev.gcpwif.webhook.cli.VersionProvider;
import dev.gcpwif.webhook.mutation.PodMutator;
import dev.gcpwif.webhook.mutation.core.WebhookSettings;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "inject", versionProvider = VersionProvider.class, mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Applies the webhook's mutation to manifests offline, like istioctl kube-inject: reads multi-document YAML"
            + " with ServiceAccounts and Pods or workloads with a pod template (Deployment, StatefulSet, DaemonSet,"
            + " ReplicaSet, Job, CronJob) and prints every document as YAML in input order, pods mutated, other"
            + " kinds unchanged. Comments and formatting of the input are not kept.",
        "Each pod's ServiceAccount (spec.serviceAccountName, else 'default'; namespace 'default' when unset) must"
            + " be in the input or in a --service-account file. Every ServiceAccount given is checked, and a bad"
            + " annotation is reported against its own file. A file without any object is an error.",
        "A value the webhook corrects or ignores (an out-of-range token-expiration, say) is printed on stderr as a"
            + " 'warning: ' line naming the document, as kubectl prints the webhook's admission warnings; the exit"
            + " status stays 0.",
        "Exit status: 0 on success, 1 on bad input (one line on stderr), 2 on a usage error."},
    footer = {"Example:", "  java -jar webhook.jar inject -f sa.yaml -f deployment.yaml | kubectl apply -f -"})
public final class InjectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE",
      description = "Manifest file to inject, '-' for stdin; repeatable.")
  List<String> files = new ArrayList<>();

  @Option(names = "--service-account", paramLabel = "FILE",
      description = "File with ServiceAccounts to resolve pods against (not printed); repeatable.")
  List<String> serviceAccountFiles = new ArrayList<>();

  @Mixin MutationOptions mutationOptions;
  @Mixin SidecarOptions sidecarOptions;

  private final InputStream stdin;

  public InjectCommand() {
    this(System.in);
  }

  InjectCommand(InputStream stdin) {
    this.stdin = stdin;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    WebhookSettings settings = mutationOptions.toSettings(sidecarOptions, spec.commandLine());
    try {
      ManifestInjector injector = new ManifestInjector(new PodMutator(settings));
      List<String> warnings = new ArrayList<>();
      String yaml = injector.inject(read(files), read(serviceAccountFiles), warnings::add);
      // Printed only once the whole input is injected: on bad input the error line stays the only line.
      warnings.forEach(w -> err.println("warning: " + w));
      err.flush();
      out.print(yaml);
      out.flush();
      return 0;
    } catch (ManifestException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return 1;
    }
  }

  private List<ManifestInjector.Source> read(List<String> names) throws ManifestException {
    return ManifestFiles.read(names, stdin);
  }
}
