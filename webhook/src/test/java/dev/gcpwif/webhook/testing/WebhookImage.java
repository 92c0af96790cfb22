package dev.gcpwif.webhook.testing;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the webhook runs when deployed, read from Dockerfile.webhook and deploy/base (paths relative to the webhook
 * module): tests and the benchmark start {@code serve} exactly so, not with a copy of the flags that drifts.
 */
public final class WebhookImage {
  private WebhookImage() {}

  /** The JVM flags of the image's ENTRYPOINT: those between {@code java} and {@code -jar}. */
  public static List<String> jvmFlags() {
    String entrypoint = dockerfileLines().stream().filter(line -> line.startsWith("ENTRYPOINT ")).reduce((a, b) -> b)
        .orElseThrow();
    List<String> items = new ArrayList<>();
    Matcher item = Pattern.compile("\"([^\"]*)\"").matcher(entrypoint);
    while (item.find()) {
      items.add(item.group(1));
    }
    return List.copyOf(items.subList(1, items.indexOf("-jar")));
  }

  /** The image's {@code ENV NAME=VALUE} lines. */
  public static Map<String, String> environment() {
    Map<String, String> env = new TreeMap<>();
    for (String line : dockerfileLines()) {
      if (line.startsWith("ENV ")) {
        for (String pair : line.substring(4).trim().split("\\s+")) {
          String[] nameValue = pair.split("=", 2);
          env.put(nameValue[0], nameValue[1]);
        }
      }
    }
    return env;
  }

  /** The deploy's memory limit, which the kernel enforces on the container's RSS. */
  public static long deployMemoryLimitMib() {
    try {
      Deployment deployment = new KubernetesSerialization().unmarshal(
          Files.readString(Path.of("..", "deploy", "base", "deployment.yaml")), Deployment.class);
      Quantity limit = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits()
          .get("memory");
      return Quantity.getAmountInBytes(limit).longValueExact() / (1024 * 1024);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> dockerfileLines() {
    try {
      return Files.readAllLines(Path.of("..", "Dockerfile.webhook")).stream().map(String::strip).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
