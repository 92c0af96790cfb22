package dev.gcpwif.webhook.mutation.metadata;

import dev.gcpwif.webhook.mutation.core.Names;
import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Sysctl;
import java.util.ArrayList;
import java.util.List;

/** The pod-level part of the {@code metadata.google.internal:80} opt-in. */
final class HostnameOptIn {
  private HostnameOptIn() {}

  static void apply(PodSpec spec) {
    addHostAlias(spec);
    lowerUnprivilegedPortStart(spec);
  }

  /**
   * Undoes {@link #apply} as far as the pod tells: the hostname leaves the loopback alias (and an alias left without
   * hostnames goes), and the sysctl goes when it still holds the value {@link #apply} sets. A mapping to another
   * address is the user's and stays; a lower port start the user had before {@link #apply} cannot be told apart.
   */
  static void revert(PodSpec spec) {
    List<HostAlias> aliases = new ArrayList<>();
    for (HostAlias alias : spec.getHostAliases() == null ? List.<HostAlias>of() : spec.getHostAliases()) {
      if (alias != null && Names.LOOPBACK.equals(alias.getIp()) && alias.getHostnames() != null
          && alias.getHostnames().contains(Names.METADATA_HOSTNAME)) {
        List<String> hostnames = new ArrayList<>(alias.getHostnames());
        hostnames.removeIf(Names.METADATA_HOSTNAME::equals);
        if (hostnames.isEmpty()) {
          continue;
        }
        alias.setHostnames(hostnames);
      }
      aliases.add(alias);
    }
    spec.setHostAliases(aliases);
    PodSecurityContext context = spec.getSecurityContext();
    if (context == null || context.getSysctls() == null) {
      return;
    }
    List<Sysctl> sysctls = new ArrayList<>(context.getSysctls());
    sysctls.removeIf(s -> s != null && Names.UNPRIVILEGED_PORT_SYSCTL.equals(s.getName())
        && Integer.toString(Names.METADATA_HOSTNAME_PORT).equals(s.getValue()));
    context.setSysctls(sysctls);
    if (context.equals(new PodSecurityContext())) {
      spec.setSecurityContext(null);
    }
  }

  /** Maps the hostname to loopback, unless the user already maps it somewhere: their entry wins. */
  private static void addHostAlias(PodSpec spec) {
    List<HostAlias> aliases = new ArrayList<>(spec.getHostAliases());
    boolean alreadyMapped = aliases.stream()
        .anyMatch(alias -> alias.getHostnames() != null && alias.getHostnames().contains(Names.METADATA_HOSTNAME));
    if (alreadyMapped) {
      return;
    }
    HostAlias loopback = aliases.stream().filter(alias -> Names.LOOPBACK.equals(alias.getIp())).findFirst().orElse(null);
    if (loopback == null) {
      aliases.add(new HostAlias(List.of(Names.METADATA_HOSTNAME), Names.LOOPBACK));
    } else {
      List<String> hostnames = new ArrayList<>(loopback.getHostnames() == null ? List.of() : loopback.getHostnames());
      hostnames.add(Names.METADATA_HOSTNAME);
      loopback.setHostnames(hostnames);
    }
    spec.setHostAliases(aliases);
  }

  private static void lowerUnprivilegedPortStart(PodSpec spec) {
    PodSecurityContext context = spec.getSecurityContext();
    if (context == null) {
      context = new PodSecurityContext();
      spec.setSecurityContext(context);
    }
    List<Sysctl> sysctls = new ArrayList<>(context.getSysctls());
    Sysctl existing = sysctls.stream().filter(s -> Names.UNPRIVILEGED_PORT_SYSCTL.equals(s.getName())).findFirst().orElse(null);
    if (existing != null && isAtMost(existing.getValue(), Names.METADATA_HOSTNAME_PORT)) {
      return;
    }
    if (existing != null) {
      existing.setValue(Integer.toString(Names.METADATA_HOSTNAME_PORT));
    } else {
      sysctls.add(new Sysctl(Names.UNPRIVILEGED_PORT_SYSCTL, Integer.toString(Names.METADATA_HOSTNAME_PORT)));
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
