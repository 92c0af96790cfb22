package dev.gcpwif.webhook.mutation.metadata;

import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Sysctl;
import java.util.ArrayList;
import java.util.List;

/** The pod-level part of the {@code metadata.google.internal:80} opt-in. */
final class HostnameOptIn {
  static final String METADATA_HOSTNAME = "metadata.google.internal";
  static final int METADATA_HOSTNAME_PORT = 80;
  static final String LOOPBACK = "127.0.0.1";
  /**
   * The sidecar runs as uid 65532 with {@code allowPrivilegeEscalation: false}. For a non-root process Kubernetes puts
   * an added capability in the bounding and permitted sets only, never the effective one (no ambient capabilities in
   * the CRI), and no_new_privs voids file capabilities: {@code NET_BIND_SERVICE} alone cannot bind port 80. This sysctl
   * (namespaced to the pod's network namespace, "safe" since Kubernetes 1.22, allowed by the baseline and restricted
   * Pod Security levels) lets a non-root process bind 80 in this pod only.
   */
  static final String UNPRIVILEGED_PORT_SYSCTL = "net.ipv4.ip_unprivileged_port_start";

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
      if (alias != null && LOOPBACK.equals(alias.getIp()) && alias.getHostnames() != null
          && alias.getHostnames().contains(METADATA_HOSTNAME)) {
        List<String> hostnames = new ArrayList<>(alias.getHostnames());
        hostnames.removeIf(METADATA_HOSTNAME::equals);
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
    sysctls.removeIf(s -> s != null && UNPRIVILEGED_PORT_SYSCTL.equals(s.getName())
        && Integer.toString(METADATA_HOSTNAME_PORT).equals(s.getValue()));
    context.setSysctls(sysctls);
    if (context.equals(new PodSecurityContext())) {
      spec.setSecurityContext(null);
    }
  }

  /** Maps the hostname to loopback, unless the user already maps it somewhere: their entry wins. */
  private static void addHostAlias(PodSpec spec) {
    List<HostAlias> aliases = new ArrayList<>(spec.getHostAliases());
    boolean alreadyMapped = aliases.stream()
        .anyMatch(alias -> alias.getHostnames() != null && alias.getHostnames().contains(METADATA_HOSTNAME));
    if (alreadyMapped) {
      return;
    }
    HostAlias loopback = aliases.stream().filter(alias -> LOOPBACK.equals(alias.getIp())).findFirst().orElse(null);
    if (loopback == null) {
      aliases.add(new HostAlias(List.of(METADATA_HOSTNAME), LOOPBACK));
    } else {
      List<String> hostnames = new ArrayList<>(loopback.getHostnames() == null ? List.of() : loopback.getHostnames());
      hostnames.add(METADATA_HOSTNAME);
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
    Sysctl existing = sysctls.stream().filter(s -> UNPRIVILEGED_PORT_SYSCTL.equals(s.getName())).findFirst().orElse(null);
    if (existing != null && isAtMost(existing.getValue(), METADATA_HOSTNAME_PORT)) {
      return;
    }
    if (existing != null) {
      existing.setValue(Integer.toString(METADATA_HOSTNAME_PORT));
    } else {
      sysctls.add(new Sysctl(UNPRIVILEGED_PORT_SYSCTL, Integer.toString(METADATA_HOSTNAME_PORT)));
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
