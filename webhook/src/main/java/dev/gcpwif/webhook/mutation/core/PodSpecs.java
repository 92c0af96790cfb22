package dev.gcpwif.webhook.mutation.core;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/** Reading a pod spec as the API server may send it: absent lists and null entries included. */
public final class PodSpecs {
  private PodSpecs() {}

  /** The init containers, then the containers, without null entries. */
  public static Stream<Container> allContainers(PodSpec spec) {
    return Stream.concat(orEmpty(spec.getInitContainers()).stream(), orEmpty(spec.getContainers()).stream())
        .filter(Objects::nonNull);
  }

  public static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
