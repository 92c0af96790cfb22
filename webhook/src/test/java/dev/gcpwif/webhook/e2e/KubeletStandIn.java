package dev.gcpwif.webhook.e2e;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProjectedVolumeSource;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Plays the kubelet for one pod on this machine: writes each projected and emptyDir volume into a folder as the pod
 * spec says (the token file, downward-API files from the pod's own annotations, file modes), and renders a container's
 * args and env with its mount paths replaced by those folders. Anything it cannot lay out faithfully fails loudly.
 */
final class KubeletStandIn {
  /** Projected volumes default to 0644 when the spec sets no defaultMode (Kubernetes API default). */
  private static final int PROJECTED_DEFAULT_MODE = 0644;
  private static final Pattern ANNOTATION_OR_LABEL =
      Pattern.compile("metadata\\.(annotations|labels)\\['([^']+)'\\]");

  private final String tokenContent;

  /** @param tokenContent what the kubelet's TokenRequest would have returned (written without a trailing newline) */
  KubeletStandIn(String tokenContent) {
    this.tokenContent = tokenContent;
  }

  /** The folders standing in for the pod's volumes. */
  record Layout(Pod pod, Map<String, Path> volumeDirs) {
    Path volume(String name) {
      Path dir = volumeDirs.get(name);
      if (dir == null) {
        throw new IllegalArgumentException("no volume " + name + " in the layout; volumes: " + volumeDirs.keySet());
      }
      return dir;
    }
  }

  /**
   * A container as a local process would run it: mount paths replaced by the layout's folders.
   *
   * @param mounts the container's mount paths and the folders standing in for them, exactly as its spec mounts them: a
   *     path the spec does not mount for this container stays unmapped, so a missing mount fails the test that needs it
   */
  record RenderedContainer(String name, List<String> args, Map<String, String> env, Map<String, Path> mounts) {}

  Layout layOut(Pod pod, Path root) throws IOException {
    Map<String, Path> dirs = new LinkedHashMap<>();
    for (Volume volume : pod.getSpec().getVolumes()) {
      Path dir = Files.createDirectories(root.resolve("volumes").resolve(volume.getName()));
      if (volume.getProjected() != null) {
        writeProjected(pod, volume.getProjected(), dir);
      } else if (volume.getEmptyDir() == null) {
        throw new UnsupportedOperationException("KubeletStandIn lays out projected and emptyDir volumes only, not "
            + volume.getName());
      }
      dirs.put(volume.getName(), dir);
    }
    return new Layout(pod, dirs);
  }

  RenderedContainer render(Layout layout, String containerName) {
    Container container = findContainer(layout.pod(), containerName);
    List<Map.Entry<String, Path>> mounts = mountsLongestFirst(layout, container);
    List<String> args = container.getArgs().stream().map(arg -> remap(arg, mounts)).toList();
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : container.getEnv()) {
      if (var.getValueFrom() != null) {
        throw new UnsupportedOperationException("env " + var.getName() + " of " + containerName + " uses valueFrom");
      }
      env.put(var.getName(), remap(var.getValue() == null ? "" : var.getValue(), mounts));
    }
    Map<String, Path> mounted = new LinkedHashMap<>();
    mounts.forEach(mount -> mounted.put(mount.getKey(), mount.getValue()));
    return new RenderedContainer(containerName, args, env, mounted);
  }

  /**
   * Rewrites the container's mount paths inside the files laid out for it (the credential configuration names the
   * token file, the boto file names the configuration): the test's copy of the volume, not the pod's.
   */
  void remapPathsInFiles(Layout layout, String containerName) throws IOException {
    Container container = findContainer(layout.pod(), containerName);
    List<Map.Entry<String, Path>> mounts = mountsLongestFirst(layout, container);
    for (Map.Entry<String, Path> mount : mounts) {
      try (Stream<Path> files = Files.walk(mount.getValue())) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          String content = Files.readString(file);
          String remapped = remap(content, mounts);
          if (!remapped.equals(content)) {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            file.toFile().setWritable(true, true);
            Files.writeString(file, remapped);
            Files.setPosixFilePermissions(file, mode);
          }
        }
      }
    }
  }

  private void writeProjected(Pod pod, ProjectedVolumeSource projected, Path dir) throws IOException {
    int defaultMode = projected.getDefaultMode() == null ? PROJECTED_DEFAULT_MODE : projected.getDefaultMode();
    for (VolumeProjection source : projected.getSources()) {
      if (source.getServiceAccountToken() != null) {
        write(dir.resolve(source.getServiceAccountToken().getPath()), tokenContent, defaultMode);
      } else if (source.getDownwardAPI() != null) {
        for (DownwardAPIVolumeFile item : source.getDownwardAPI().getItems()) {
          int mode = item.getMode() == null ? defaultMode : item.getMode();
          write(dir.resolve(item.getPath()), fieldValue(pod, item), mode);
        }
      } else {
        throw new UnsupportedOperationException("KubeletStandIn lays out serviceAccountToken and downwardAPI projected"
            + " sources only, not " + source);
      }
    }
  }

  private static String fieldValue(Pod pod, DownwardAPIVolumeFile item) {
    if (item.getFieldRef() == null) {
      throw new UnsupportedOperationException("downwardAPI item " + item.getPath() + " is not a fieldRef");
    }
    String fieldPath = item.getFieldRef().getFieldPath();
    Matcher m = ANNOTATION_OR_LABEL.matcher(fieldPath);
    if (m.matches()) {
      Map<String, String> values = m.group(1).equals("annotations")
          ? pod.getMetadata().getAnnotations() : pod.getMetadata().getLabels();
      // The kubelet writes an empty file for a missing key.
      return values == null ? "" : values.getOrDefault(m.group(2), "");
    }
    return switch (fieldPath) {
      case "metadata.name" -> pod.getMetadata().getName();
      case "metadata.namespace" -> pod.getMetadata().getNamespace();
      default -> throw new UnsupportedOperationException("fieldPath " + fieldPath);
    };
  }

  private static void write(Path file, String content, int mode) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, content.getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(file, permissions(mode));
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(order[bit]);
      }
    }
    return set;
  }

  private static Container findContainer(Pod pod, String name) {
    return Stream.concat(pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
        .filter(c -> name.equals(c.getName()))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no container " + name + " in pod"));
  }

  private static List<Map.Entry<String, Path>> mountsLongestFirst(Layout layout, Container container) {
    List<Map.Entry<String, Path>> mounts = new ArrayList<>();
    for (VolumeMount mount : container.getVolumeMounts()) {
      if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
        throw new UnsupportedOperationException("subPath mounts are not laid out: " + mount.getMountPath());
      }
      mounts.add(Map.entry(mount.getMountPath(), layout.volume(mount.getName())));
    }
    mounts.sort(Comparator.comparingInt((Map.Entry<String, Path> e) -> e.getKey().length()).reversed());
    return mounts;
  }

  /**
   * Replaces whole-path occurrences only ({@code /tmp} must not touch {@code /var/tmp} or {@code /tmpfoo}), in one pass
   * so that a replacement (a temp folder under /tmp) is never remapped again.
   */
  static String remap(String value, List<Map.Entry<String, Path>> mountsLongestFirst) {
    if (mountsLongestFirst.isEmpty()) {
      return value;
    }
    Map<String, String> targets = new LinkedHashMap<>();
    StringBuilder alternatives = new StringBuilder();
    for (Map.Entry<String, Path> mount : mountsLongestFirst) {
      targets.put(mount.getKey(), mount.getValue().toString());
      alternatives.append(alternatives.length() == 0 ? "" : "|").append(Pattern.quote(mount.getKey()));
    }
    Pattern whole = Pattern.compile("(?<![\\w./-])(" + alternatives + ")(?=/|$|[^\\w.-])");
    return whole.matcher(value).replaceAll(m -> Matcher.quoteReplacement(targets.get(m.group(1))));
  }
}
