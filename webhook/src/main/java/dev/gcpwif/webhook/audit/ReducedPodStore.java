package dev.gcpwif.webhook.audit;

import dev.gcpwif.webhook.mutation.core.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The audit's pod cache: each pod reduced to what {@link InjectionAudit#check} and the mutation it runs on a copy
 * read, kept as model objects. fabric8's {@code ReducedStateItemStore} keeps whole subtrees as maps, and a pod's
 * containers (image, resources, probes, env) are most of it: measured on 10,000 Deployment-like pods it kept 6.9 of
 * 7.8 KB a pod, this store 3.1 KB (PodCacheMemoryTest prints the numbers). Dropped: managedFields, ownerReferences,
 * labels but the opt-out label, annotations not under the prefix, the status but its phase, and of each container
 * all but its name, args, mounts, ports, restart policy, security context and the webhook's own variables.
 * InjectionAuditTableTest checks that every audit case gives the same findings from this cache.
 */
final class ReducedPodStore implements ItemStore<Pod> {
  private final Map<String, Pod> pods = new ConcurrentHashMap<>();
  private final String prefix;

  ReducedPodStore(Names names) {
    this.prefix = names.prefix() + "/";
  }

  Pod reduce(Pod pod) {
    ObjectMetaBuilder meta = new ObjectMetaBuilder();
    if (pod.getMetadata() != null) {
      meta.withName(pod.getMetadata().getName()).withNamespace(pod.getMetadata().getNamespace())
          .withUid(pod.getMetadata().getUid()).withResourceVersion(pod.getMetadata().getResourceVersion());
      Map<String, String> labels = pod.getMetadata().getLabels();
      if (labels != null && labels.containsKey(InjectionAudit.OPT_OUT_LABEL)) {
        meta.withLabels(Map.of(InjectionAudit.OPT_OUT_LABEL, labels.get(InjectionAudit.OPT_OUT_LABEL)));
      }
      Map<String, String> annotations = pod.getMetadata().getAnnotations();
      if (annotations != null) {
        Map<String, String> kept = new LinkedHashMap<>();
        annotations.forEach((key, value) -> {
          if (key != null && (key.startsWith(prefix) || key.equals(Names.MIRROR_POD_ANNOTATION))) {
            kept.put(key, value);
          }
        });
        if (!kept.isEmpty()) {
          meta.withAnnotations(kept);
        }
      }
    }
    PodBuilder reduced = new PodBuilder().withMetadata(meta.build());
    PodSpec spec = pod.getSpec();
    if (spec != null) {
      reduced.withSpec(new PodSpecBuilder().withServiceAccountName(spec.getServiceAccountName())
          .withServiceAccount(spec.getServiceAccount()).withHostNetwork(spec.getHostNetwork())
          .withHostAliases(spec.getHostAliases()).withSecurityContext(spec.getSecurityContext())
          .withVolumes(spec.getVolumes()).withContainers(containers(spec.getContainers()))
          .withInitContainers(containers(spec.getInitContainers())).build());
    }
    if (pod.getStatus() != null && pod.getStatus().getPhase() != null) {
      reduced.withStatus(new PodStatusBuilder().withPhase(pod.getStatus().getPhase()).build());
    }
    return reduced.build();
  }

  private static List<Container> containers(List<Container> containers) {
    if (containers == null) {
      return null;
    }
    return containers.stream().map(c -> c == null ? null : new ContainerBuilder().withName(c.getName())
        .withArgs(c.getArgs()).withEnv(ourEnv(c.getEnv())).withVolumeMounts(c.getVolumeMounts()).withPorts(c.getPorts())
        .withRestartPolicy(c.getRestartPolicy()).withSecurityContext(c.getSecurityContext()).build()).toList();
  }

  /**
   * The variables the webhook sets or reads: every environment name in the vocabulary class {@link Names} (its
   * upper-case constants), so a variable added there is kept here without a second list. The app's own variables
   * are most of a container's env and change nothing in the judgement (the audit never reads them; the mutation on
   * a copy only keeps them), so they are dropped: 3.1 instead of 4.6 KB a pod in PodCacheMemoryTest.
   */
  static final Set<String> OUR_ENV = Arrays.stream(Names.class.getFields())
      .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
      .map(f -> {
        try {
          return (String) f.get(null);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      })
      .filter(value -> value.matches("[A-Z][A-Z0-9_]*"))
      .collect(Collectors.toUnmodifiableSet());

  private static List<EnvVar> ourEnv(List<EnvVar> env) {
    return env == null ? null : env.stream().filter(e -> e != null && OUR_ENV.contains(e.getName())).toList();
  }

  @Override
  public String getKey(Pod pod) {
    return Cache.metaNamespaceKeyFunc(pod);
  }

  @Override
  public Pod put(String key, Pod pod) {
    return pods.put(key, reduce(pod));
  }

  @Override
  public Pod remove(String key) {
    return pods.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return pods.keySet().stream();
  }

  @Override
  public Stream<Pod> values() {
    return pods.values().stream();
  }

  @Override
  public int size() {
    return pods.size();
  }

  @Override
  public Pod get(String key) {
    return pods.get(key);
  }

  @Override
  public boolean isFullState() {
    return false;
  }
}
