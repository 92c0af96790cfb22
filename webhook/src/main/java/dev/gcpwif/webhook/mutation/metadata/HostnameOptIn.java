package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.InjectionReceipt;
import dev.gcpwif.webhook.mutation.core.Names;
import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Sysctl;
import java.util.ArrayList;
import java.util.List;

/** The pod-level part of the {@code metadata.google.internal:80} opt-in; what it changes goes into the receipt. */
final class HostnameOptIn {
  private HostnameOptIn() {}

  static void apply(PodSpec spec, InjectionReceipt.Builder receipt) {
    addHostAlias(spec, receipt);
    lowerUnprivilegedPortStart(spec, receipt);
  }

  /** Maps the hostname to loopback, unless the user already maps it somewhere: their entry wins. */
  private static void addHostAlias(PodSpec spec, InjectionReceipt.Builder receipt) {
    List<HostAlias> aliases = new ArrayList<>(spec.getHostAliases() == null ? List.of() : spec.getHostAliases());
    boolean alreadyMapped = aliases.stream().anyMatch(alias -> alias != null && alias.getHostnames() != null
        && alias.getHostnames().contains(Names.METADATA_HOSTNAME));
    if (alreadyMapped) {
      return;
    }
    HostAlias loopback = aliases.stream().filter(alias -> alias != null && Names.LOOPBACK.equals(alias.getIp()))
        .findFirst().orElse(null);
    if (loopback == null) {
      aliases.add(new HostAlias(List.of(Names.METADATA_HOSTNAME), Names.LOOPBACK));
    } else {
      List<String> hostnames = new ArrayList<>(loopback.getHostnames() == null ? List.of() : loopback.getHostnames());
      hostnames.add(Names.METADATA_HOSTNAME);
      loopback.setHostnames(hostnames);
    }
    spec.setHostAliases(aliases);
    receipt.hostAlias(Names.LOOPBACK, Names.METADATA_HOSTNAME);
  }

  private static void lowerUnprivilegedPortStart(PodSpec spec, InjectionReceipt.Builder receipt) {
    PodSecurityContext context = spec.getSecurityContext();
    if (context == null) {
      context = new PodSecurityContext();
      spec.setSecurityContext(context);
    }
    List<Sysctl> sysctls = new ArrayList<>(context.getSysctls() == null ? List.of() : context.getSysctls());
    Sysctl existing = sysctls.stream().filter(s -> s != null && Names.UNPRIVILEGED_PORT_SYSCTL.equals(s.getName()))
        .findFirst().orElse(null);
    if (existing != null && isAtMost(existing.getValue(), Names.METADATA_HOSTNAME_PORT)) {
      return;
    }
    String value = Integer.toString(Names.METADATA_HOSTNAME_PORT);
    if (existing != null) {
      receipt.sysctl(Names.UNPRIVILEGED_PORT_SYSCTL, value, existing.getValue());
      existing.setValue(value);
    } else {
      receipt.sysctl(Names.UNPRIVILEGED_PORT_SYSCTL, value, null);
      sysctls.add(new Sysctl(Names.UNPRIVILEGED_PORT_SYSCTL, value));
    }
    context.setSysctls(sysctls);
  }

  private static boolean isAtMost(String value, int limit) {
    try {
      return Integer.parseInt(value.strip()) <= limit;
    } catch (RuntimeException notANumber) {
      return false;
    }
  }
}
