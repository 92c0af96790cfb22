package dev.gcpwif.webhook.mutation.core;

import static dev.gcpwif.webhook.mutation.core.PodSpecs.orEmpty;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * What one pass of the webhook injected into a pod, written onto the pod as the annotation
 * {@code <prefix>/injection} (compact JSON, format in the README): the mode, the identity it was rendered from, and
 * exactly what was added. The next pass removes what the receipt lists before rendering anew, and an audit compares it
 * with the pod's ServiceAccount ({@link #differencesFrom}) and with the pod's contents ({@link #missingFrom}).
 *
 * <p>Its size is that of the additions, not of the pod: containers that got the same variables and mount share one
 * entry, which lists their names.
 *
 * @param annotations the annotation keys written (rewritten in place by every pass, so not removed between passes)
 * @param containers per group of containers (by name) the variables and mounts (by volume name, always at
 *     {@link Names#MOUNT_PATH}) added to each of them
 * @param sidecar the name of the container added, or null
 * @param hostAliases the hostnames added, per IP
 * @param sysctls the pod sysctls set, each with the value it replaced (null when it was added)
 */
public record InjectionReceipt(
    InjectionMode mode,
    String identityDigest,
    String provider,
    Optional<String> serviceAccountEmail,
    String audience,
    long tokenExpirationSeconds,
    List<String> annotations,
    List<String> volumes,
    List<ContainerAdditions> containers,
    String sidecar,
    Map<String, List<String>> hostAliases,
    List<SysctlChange> sysctls) {

  /** The format version written; a receipt of an unknown version is not read. */
  public static final int VERSION = 1;
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  public InjectionReceipt {
    Objects.requireNonNull(mode, "mode");
    annotations = List.copyOf(annotations);
    volumes = List.copyOf(volumes);
    containers = List.copyOf(containers);
    hostAliases = Map.copyOf(hostAliases);
    sysctls = List.copyOf(sysctls);
  }

  /** The variables and mounts added to each of the named containers. */
  public record ContainerAdditions(List<String> names, List<String> env, List<String> mounts) {
    public ContainerAdditions {
      names = List.copyOf(names);
      env = List.copyOf(env);
      mounts = List.copyOf(mounts);
    }
  }

  /** A pod sysctl the webhook set; {@code previous} is the value it replaced, or null when it added the sysctl. */
  public record SysctlChange(String name, String value, String previous) {}

  /**
   * A digest of everything the rendering took from the identity: two passes with equal digests render the same
   * credentials. SHA-256 of the fields joined by newlines, first 16 bytes in hex.
   */
  public static String digest(WorkloadIdentity identity) {
    String canonical = String.join("\n", identity.provider(), identity.serviceAccountEmail().orElse(""),
        identity.audience(), Long.toString(identity.tokenExpirationSeconds()), identity.projectId().orElse(""));
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(hash, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** The receipt on {@code pod}, empty when it has none. */
  public static Optional<String> annotationOf(Pod pod, Names names) {
    if (pod.getMetadata() == null || pod.getMetadata().getAnnotations() == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(pod.getMetadata().getAnnotations().get(names.injection()));
  }

  /** The annotation value: compact JSON, members in a fixed order, empty parts left out. */
  public String render() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("v", VERSION);
    out.put("mode", mode.annotationValue());
    out.put("identity", identityDigest);
    out.put("provider", provider);
    serviceAccountEmail.ifPresent(email -> out.put("email", email));
    out.put("audience", audience);
    out.put("tokenExpiration", tokenExpirationSeconds);
    putIfNotEmpty(out, "annotations", annotations);
    putIfNotEmpty(out, "volumes", volumes);
    if (!containers.isEmpty()) {
      List<Map<String, Object>> groups = new ArrayList<>();
      for (ContainerAdditions group : containers) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("names", group.names());
        putIfNotEmpty(entry, "env", group.env());
        putIfNotEmpty(entry, "mounts", group.mounts());
        groups.add(entry);
      }
      out.put("containers", groups);
    }
    if (sidecar != null) {
      out.put("sidecar", sidecar);
    }
    if (!hostAliases.isEmpty()) {
      out.put("hostAliases", new java.util.TreeMap<>(hostAliases));
    }
    if (!sysctls.isEmpty()) {
      List<Map<String, Object>> changes = new ArrayList<>();
      for (SysctlChange change : sysctls) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("name", change.name());
        entry.put("value", change.value());
        if (change.previous() != null) {
          entry.put("previous", change.previous());
        }
        changes.add(entry);
      }
      out.put("sysctls", changes);
    }
    return JSON.asJson(out);
  }

  private static void putIfNotEmpty(Map<String, Object> out, String key, List<String> list) {
    if (!list.isEmpty()) {
      out.put(key, list);
    }
  }

  /**
   * Reads a receipt written by {@link #render}.
   *
   * @throws IllegalArgumentException saying what is wrong, for anything else (the annotation is user-writable)
   */
  public static InjectionReceipt parse(String value) {
    JsonNode root;
    try {
      root = JSON.unmarshal(value, JsonNode.class);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not JSON");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    if (!root.path("v").isIntegralNumber() || root.path("v").asInt() != VERSION) {
      throw new IllegalArgumentException("\"v\" is not " + VERSION);
    }
    InjectionMode mode = null;
    for (InjectionMode candidate : InjectionMode.values()) {
      if (candidate.annotationValue().equals(text(root, "mode"))) {
        mode = candidate;
      }
    }
    if (mode == null) {
      throw new IllegalArgumentException("\"mode\" is not " + InjectionMode.EXPECTED);
    }
    if (!root.path("tokenExpiration").isIntegralNumber()) {
      throw new IllegalArgumentException("\"tokenExpiration\" is not a number");
    }
    List<ContainerAdditions> containers = new ArrayList<>();
    for (JsonNode group : array(root, "containers")) {
      if (!group.isObject()) {
        throw new IllegalArgumentException("\"containers\" has an entry that is not an object");
      }
      containers.add(new ContainerAdditions(strings(group, "names"), strings(group, "env"), strings(group, "mounts")));
    }
    Map<String, List<String>> hostAliases = new LinkedHashMap<>();
    JsonNode aliases = root.path("hostAliases");
    if (!aliases.isMissingNode()) {
      if (!aliases.isObject()) {
        throw new IllegalArgumentException("\"hostAliases\" is not an object");
      }
      for (String ip : aliases.propertyNames()) {
        hostAliases.put(ip, strings(aliases, ip));
      }
    }
    List<SysctlChange> sysctls = new ArrayList<>();
    for (JsonNode change : array(root, "sysctls")) {
      if (text(change, "name") == null || text(change, "value") == null) {
        throw new IllegalArgumentException("\"sysctls\" has an entry without name or value");
      }
      sysctls.add(new SysctlChange(text(change, "name"), text(change, "value"), text(change, "previous")));
    }
    return new InjectionReceipt(mode, text(root, "identity"), text(root, "provider"),
        Optional.ofNullable(text(root, "email")), text(root, "audience"), root.path("tokenExpiration").asLong(),
        strings(root, "annotations"), strings(root, "volumes"), containers, text(root, "sidecar"), hostAliases,
        sysctls);
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return null;
    }
    if (!value.isString()) {
      throw new IllegalArgumentException("\"" + field + "\" is not a string");
    }
    return value.asString();
  }

  private static List<JsonNode> array(JsonNode node, String field) {
    JsonNode value = node.path(field);
    if (value.isMissingNode()) {
      return List.of();
    }
    if (!value.isArray()) {
      throw new IllegalArgumentException("\"" + field + "\" is not an array");
    }
    List<JsonNode> items = new ArrayList<>();
    value.forEach(items::add);
    return items;
  }

  private static List<String> strings(JsonNode node, String field) {
    List<String> values = new ArrayList<>();
    for (JsonNode item : array(node, field)) {
      if (!item.isString()) {
        throw new IllegalArgumentException("\"" + field + "\" has an entry that is not a string");
      }
      values.add(item.asString());
    }
    return values;
  }

  /**
   * How {@code current}, the identity and mode the pod's ServiceAccount gives now, differs from what this receipt was
   * rendered from, one readable line each: empty when a pass now would render the same credentials.
   */
  public List<String> differencesFrom(WorkloadIdentity current) {
    List<String> differences = new ArrayList<>();
    if (mode != current.mode()) {
      differences.add("mode was " + mode.annotationValue() + ", is now " + current.mode().annotationValue());
    }
    compare(differences, "provider", provider, current.provider());
    compare(differences, "service account email", serviceAccountEmail.orElse(null),
        current.serviceAccountEmail().orElse(null));
    compare(differences, "audience", audience, current.audience());
    compare(differences, "token expiration", Long.toString(tokenExpirationSeconds),
        Long.toString(current.tokenExpirationSeconds()));
    if (differences.isEmpty() && !Objects.equals(identityDigest, digest(current))) {
      differences.add("identity digest was " + identityDigest + ", is now " + digest(current)
          + " (the project changed)");
    }
    return differences;
  }

  private static void compare(List<String> differences, String what, String was, String now) {
    if (!Objects.equals(was, now)) {
      differences.add(what + " was " + (was == null ? "none" : was) + ", is now " + (now == null ? "none" : now));
    }
  }

  /**
   * What this receipt lists that {@code pod} does not have (removed by someone else since), one readable line each:
   * empty when every addition is still there. Costs time linear in the pod and the receipt.
   */
  public List<String> missingFrom(Pod pod, Names names) {
    List<String> missing = new ArrayList<>();
    Map<String, String> podAnnotations = pod.getMetadata() == null || pod.getMetadata().getAnnotations() == null
        ? Map.of() : pod.getMetadata().getAnnotations();
    annotations.stream().filter(key -> !podAnnotations.containsKey(key))
        .forEach(key -> missing.add("annotation " + key));
    PodSpec spec = pod.getSpec() == null ? new PodSpec() : pod.getSpec();
    Set<String> podVolumes = new LinkedHashSet<>();
    orEmpty(spec.getVolumes()).stream().filter(Objects::nonNull).map(Volume::getName).forEach(podVolumes::add);
    volumes.stream().filter(v -> !podVolumes.contains(v)).forEach(v -> missing.add("volume " + v));
    Map<String, Container> byName = containersByName(spec);
    if (sidecar != null && !byName.containsKey(sidecar)) {
      missing.add("container " + sidecar);
    }
    for (ContainerAdditions group : containers) {
      for (String name : group.names()) {
        Container container = byName.get(name);
        if (container == null) {
          missing.add("container " + name);
          continue;
        }
        Set<String> env = new java.util.HashSet<>();
        orEmpty(container.getEnv()).stream().filter(Objects::nonNull).map(EnvVar::getName).forEach(env::add);
        group.env().stream().filter(e -> !env.contains(e)).forEach(e -> missing.add("container " + name + " env " + e));
        Set<String> mounts = new java.util.HashSet<>();
        orEmpty(container.getVolumeMounts()).stream()
            .filter(m -> m != null && Names.MOUNT_PATH.equals(m.getMountPath())).map(VolumeMount::getName)
            .forEach(mounts::add);
        group.mounts().stream().filter(m -> !mounts.contains(m))
            .forEach(m -> missing.add("container " + name + " mount of " + m + " at " + Names.MOUNT_PATH));
      }
    }
    hostAliases.forEach((ip, hostnames) -> {
      Set<String> mapped = new java.util.HashSet<>();
      orEmpty(spec.getHostAliases()).stream().filter(a -> a != null && ip.equals(a.getIp()))
          .forEach(a -> mapped.addAll(orEmpty(a.getHostnames())));
      hostnames.stream().filter(h -> !mapped.contains(h)).forEach(h -> missing.add("host alias " + h + " " + ip));
    });
    for (SysctlChange change : sysctls) {
      boolean set = spec.getSecurityContext() != null && orEmpty(spec.getSecurityContext().getSysctls()).stream()
          .anyMatch(s -> s != null && change.name().equals(s.getName()) && change.value().equals(s.getValue()));
      if (!set) {
        missing.add("sysctl " + change.name() + "=" + change.value());
      }
    }
    return missing;
  }

  /**
   * Takes out of {@code pod} (in place: callers pass their private copy) exactly what this receipt lists, whatever the
   * values are now; what the user added since stays. The annotations stay unless {@code annotationsToo}: every pass
   * rewrites them in place, which keeps their position and the pod's own {@code token-expiration} override. Costs time
   * linear in the pod and the receipt.
   */
  public void removeFrom(Pod pod, boolean annotationsToo) {
    if (annotationsToo && pod.getMetadata() != null && pod.getMetadata().getAnnotations() != null) {
      annotations.forEach(pod.getMetadata().getAnnotations()::remove);
    }
    PodSpec spec = pod.getSpec();
    if (spec == null) {
      return;
    }
    if (sidecar != null) {
      spec.setInitContainers(without(spec.getInitContainers(), sidecar));
      spec.setContainers(without(spec.getContainers(), sidecar));
    }
    if (!volumes.isEmpty() && spec.getVolumes() != null) {
      // A HashSet, not Set.copyOf: the immutable sets throw on contains(null), and a volume may have no name.
      Set<String> names = new java.util.HashSet<>(volumes);
      List<Volume> kept = new ArrayList<>(spec.getVolumes());
      kept.removeIf(v -> v != null && names.contains(v.getName()));
      spec.setVolumes(kept);
    }
    Map<String, Container> byName = containersByName(spec);
    for (ContainerAdditions group : containers) {
      Set<String> env = Set.copyOf(group.env());
      Set<String> mounts = Set.copyOf(group.mounts());
      for (String name : group.names()) {
        Container container = byName.get(name);
        if (container != null) {
          removeLast(container.getEnv(), env, e -> e == null ? null : e.getName());
          removeLast(container.getVolumeMounts(), mounts,
              m -> m == null || !Names.MOUNT_PATH.equals(m.getMountPath()) ? null : m.getName());
        }
      }
    }
    hostAliases.forEach((ip, hostnames) -> removeHostnames(spec, ip, hostnames));
    for (SysctlChange change : sysctls) {
      undo(spec, change);
    }
  }

  private static List<Container> without(List<Container> containers, String name) {
    if (containers == null) {
      return null;
    }
    List<Container> kept = new ArrayList<>(containers);
    kept.removeIf(c -> c != null && name.equals(c.getName()));
    return kept;
  }

  /**
   * Removes, for each of {@code keys}, its last entry: ours were appended after the user's, and a user's entry of the
   * same name (a duplicate the API server allows) stays. One pass over the list.
   */
  private static <T> void removeLast(List<T> list, Set<String> keys, java.util.function.Function<T, String> key) {
    if (list == null || keys.isEmpty()) {
      return;
    }
    Set<String> toRemove = new java.util.HashSet<>(keys);
    boolean[] drop = new boolean[list.size()];
    for (int i = list.size() - 1; i >= 0 && !toRemove.isEmpty(); i--) {
      String k = key.apply(list.get(i));
      if (k != null && toRemove.remove(k)) {
        drop[i] = true;
      }
    }
    List<T> kept = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      if (!drop[i]) {
        kept.add(list.get(i));
      }
    }
    list.clear();
    list.addAll(kept);
  }

  private static void removeHostnames(PodSpec spec, String ip, List<String> hostnames) {
    if (spec.getHostAliases() == null) {
      return;
    }
    List<HostAlias> aliases = new ArrayList<>();
    for (HostAlias alias : spec.getHostAliases()) {
      if (alias != null && ip.equals(alias.getIp()) && alias.getHostnames() != null) {
        List<String> kept = new ArrayList<>(alias.getHostnames());
        // removeAll asks the receipt's (immutable) list about each hostname, and it throws on a null one.
        kept.removeAll(new java.util.HashSet<>(hostnames));
        if (kept.isEmpty()) {
          continue;
        }
        alias.setHostnames(kept);
      }
      aliases.add(alias);
    }
    spec.setHostAliases(aliases);
  }

  private static void undo(PodSpec spec, SysctlChange change) {
    PodSecurityContext context = spec.getSecurityContext();
    if (context == null || context.getSysctls() == null) {
      return;
    }
    List<Sysctl> sysctls = new ArrayList<>();
    for (Sysctl sysctl : context.getSysctls()) {
      if (sysctl != null && change.name().equals(sysctl.getName()) && change.value().equals(sysctl.getValue())) {
        if (change.previous() == null) {
          continue;
        }
        sysctl.setValue(change.previous());
      }
      sysctls.add(sysctl);
    }
    context.setSysctls(sysctls);
    if (context.equals(new PodSecurityContext())) {
      spec.setSecurityContext(null);
    }
  }

  /** Containers and init containers by name (names are unique across both in a valid pod). */
  public static Map<String, Container> containersByName(PodSpec spec) {
    Map<String, Container> byName = new HashMap<>();
    PodSpecs.allContainers(spec).filter(c -> c.getName() != null).forEach(c -> byName.putIfAbsent(c.getName(), c));
    return byName;
  }

  /**
   * Collects what a rendering adds, as it adds it, into a receipt. Containers with equal additions are grouped in the
   * order they were first met.
   */
  public static final class Builder {
    private final List<String> annotations = new ArrayList<>();
    private final List<String> volumes = new ArrayList<>();
    private final Map<String, Map<String, List<String>>> perContainer = new LinkedHashMap<>();
    private String sidecar;
    private final Map<String, List<String>> hostAliases = new LinkedHashMap<>();
    private final List<SysctlChange> sysctls = new ArrayList<>();

    public void annotation(String key) {
      if (!annotations.contains(key)) {
        annotations.add(key);
      }
    }

    public void volume(String name) {
      volumes.add(name);
    }

    public void env(Container container, String name) {
      containerEntry(container).get("env").add(name);
    }

    public void mount(Container container, String volume) {
      containerEntry(container).get("mounts").add(volume);
    }

    public void sidecar(String name) {
      sidecar = name;
    }

    public void hostAlias(String ip, String hostname) {
      hostAliases.computeIfAbsent(ip, k -> new ArrayList<>()).add(hostname);
    }

    public void sysctl(String name, String value, String previous) {
      sysctls.add(new SysctlChange(name, value, previous));
    }

    private Map<String, List<String>> containerEntry(Container container) {
      return perContainer.computeIfAbsent(container.getName(), k -> {
        Map<String, List<String>> entry = new LinkedHashMap<>();
        entry.put("env", new ArrayList<>());
        entry.put("mounts", new ArrayList<>());
        return entry;
      });
    }

    public InjectionReceipt build(WorkloadIdentity identity) {
      Map<List<List<String>>, List<String>> groups = new LinkedHashMap<>();
      perContainer.forEach((name, entry) -> groups
          .computeIfAbsent(List.of(entry.get("env"), entry.get("mounts")), k -> new ArrayList<>()).add(name));
      List<ContainerAdditions> containers = new ArrayList<>();
      groups.forEach((key, names) -> containers.add(new ContainerAdditions(names, key.get(0), key.get(1))));
      return new InjectionReceipt(identity.mode(), digest(identity), identity.provider(),
          identity.serviceAccountEmail(), identity.audience(), identity.tokenExpirationSeconds(), annotations, volumes,
          containers, sidecar, hostAliases, sysctls);
    }
  }

}
