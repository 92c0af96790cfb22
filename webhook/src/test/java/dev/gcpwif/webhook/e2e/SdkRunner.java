package dev.gcpwif.webhook.e2e;

import dev.gcpwif.testsupport.CloudSdk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real Cloud SDK (gcloud, gsutil run directly, its bundled Python) and child JVMs run as in a container: with the
 * container's env, the test's additions, and {@link CloudSdk}'s isolation. gsutil gets its own state dir, and boto
 * an empty configuration unless the container names one. A missing SDK fails the test: it is part of the contract.
 */
final class SdkRunner {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  private final CloudSdk sdk;
  private final Path gsutilState;
  private final Path emptyBoto;

  SdkRunner(Path workDir) throws IOException {
    sdk = new CloudSdk(workDir.resolve("home"));
    gsutilState = Files.createDirectories(workDir.resolve("gsutil-state"));
    emptyBoto = Files.writeString(workDir.resolve("empty.boto"), "");
  }

  CloudSdk.Result gcloud(Map<String, String> containerEnv, Map<String, String> extraEnv, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(CloudSdk.gcloud().toString()));
    command.addAll(List.of(args));
    return run(command, containerEnv, extraEnv);
  }

  /** gsutil itself, not the gcloud wrapper (which would add gcloud's own credentials). */
  CloudSdk.Result gsutil(Map<String, String> containerEnv, Map<String, String> extraEnv, List<String> botoOverrides,
      String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(CloudSdk.python().toString(), CloudSdk.gsutil().toString()));
    for (String override : botoOverrides) {
      command.addAll(List.of("-o", override));
    }
    command.addAll(List.of("-o", "GSUtil:state_dir=" + gsutilState, "-o", "GSUtil:software_update_check_period=0"));
    command.addAll(List.of(args));
    return run(command, containerEnv, extraEnv);
  }

  /** The SDK's bundled Python with the SDK's bundled google-auth and requests on its path. */
  CloudSdk.Result python(Map<String, String> containerEnv, Map<String, String> extraEnv, Path script, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(CloudSdk.python().toString(), script.toString()));
    command.addAll(List.of(args));
    Map<String, String> env = new LinkedHashMap<>(extraEnv);
    env.put("PYTHONPATH", CloudSdk.thirdParty().toString());
    return run(command, containerEnv, env);
  }

  /** A child JVM on this test's class path (google-auth included), running {@code mainClass}. */
  CloudSdk.Result java(Map<String, String> containerEnv, Map<String, String> extraEnv, List<String> jvmOptions,
      Class<?> mainClass, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
    command.addAll(List.of(args));
    return run(command, containerEnv, extraEnv);
  }

  private CloudSdk.Result run(List<String> command, Map<String, String> containerEnv, Map<String, String> extraEnv)
      throws IOException, InterruptedException {
    Map<String, String> env = new LinkedHashMap<>(containerEnv);
    if (!containerEnv.containsKey("BOTO_CONFIG") && !containerEnv.containsKey("BOTO_PATH")) {
      // Otherwise boto would read /etc/boto.cfg of this machine.
      env.put("BOTO_CONFIG", emptyBoto.toString());
    }
    env.putAll(extraEnv);
    return sdk.run(command, env, TIMEOUT);
  }
}
