package dev.gcpwif.webhook.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real Cloud SDK (gcloud, gsutil run directly, its bundled Python) and child JVMs with only the environment a
 * container would have, plus isolation: own HOME, CLOUDSDK_CONFIG, boto config and gsutil state dir, no prompts, no
 * usage reporting, no update checks, a bounded run time. A missing SDK fails the test: it is part of the contract.
 */
final class SdkRunner {
  static final Path SDK_ROOT = Path.of(System.getenv().getOrDefault("GCP_WIF_SDK_ROOT", "/usr/lib/google-cloud-sdk"));
  static final Path THIRD_PARTY = SDK_ROOT.resolve("lib/third_party");
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  record Result(List<String> command, int exitCode, String stdout, String stderr) {
    String describe() {
      return String.join(" ", command) + " exited " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  private final Path home;
  private final Path gcloudConfig;
  private final Path gsutilState;
  private final Path emptyBoto;

  SdkRunner(Path workDir) throws IOException {
    home = Files.createDirectories(workDir.resolve("home"));
    gcloudConfig = Files.createDirectories(workDir.resolve("gcloud-config"));
    gsutilState = Files.createDirectories(workDir.resolve("gsutil-state"));
    emptyBoto = Files.writeString(workDir.resolve("empty.boto"), "");
  }

  Path gsutilStateDir() {
    return gsutilState;
  }

  Result gcloud(Map<String, String> containerEnv, Map<String, String> extraEnv, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(require(SDK_ROOT.resolve("bin/gcloud")).toString()));
    command.addAll(List.of(args));
    return run(command, containerEnv, extraEnv);
  }

  /** gsutil itself, not the gcloud wrapper (which would add gcloud's own credentials). */
  Result gsutil(Map<String, String> containerEnv, Map<String, String> extraEnv, List<String> botoOverrides,
      String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(python().toString(),
        require(SDK_ROOT.resolve("platform/gsutil/gsutil")).toString()));
    for (String override : botoOverrides) {
      command.addAll(List.of("-o", override));
    }
    command.addAll(List.of("-o", "GSUtil:state_dir=" + gsutilState, "-o", "GSUtil:software_update_check_period=0"));
    command.addAll(List.of(args));
    return run(command, containerEnv, extraEnv);
  }

  /** The SDK's bundled Python with the SDK's bundled google-auth and requests on its path. */
  Result python(Map<String, String> containerEnv, Map<String, String> extraEnv, Path script, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(python().toString(), script.toString()));
    command.addAll(List.of(args));
    Map<String, String> env = new LinkedHashMap<>(extraEnv);
    env.put("PYTHONPATH", require(THIRD_PARTY).toString());
    return run(command, containerEnv, env);
  }

  /** A child JVM on this test's class path (google-auth included), running {@code mainClass}. */
  Result java(Map<String, String> containerEnv, Map<String, String> extraEnv, List<String> jvmOptions,
      Class<?> mainClass, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
    command.addAll(List.of(args));
    return run(command, containerEnv, extraEnv);
  }

  private Result run(List<String> command, Map<String, String> containerEnv, Map<String, String> extraEnv)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.clear();
    env.put("PATH", SDK_ROOT.resolve("bin") + ":/usr/bin:/bin");
    env.put("LANG", "C.UTF-8");
    env.put("HOME", home.toString());
    env.put("CLOUDSDK_CONFIG", gcloudConfig.toString());
    env.put("CLOUDSDK_CORE_DISABLE_PROMPTS", "1");
    env.put("CLOUDSDK_CORE_DISABLE_USAGE_REPORTING", "1");
    env.put("CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK", "1");
    env.putAll(containerEnv);
    if (!containerEnv.containsKey("BOTO_CONFIG") && !containerEnv.containsKey("BOTO_PATH")) {
      // Otherwise boto would read /etc/boto.cfg of this machine.
      env.put("BOTO_CONFIG", emptyBoto.toString());
    }
    env.putAll(extraEnv);
    Path out = Files.createTempFile(home, "out", ".txt");
    Path err = Files.createTempFile(home, "err", ".txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(String.join(" ", command) + " did not finish within " + TIMEOUT + "\n--- stderr\n"
          + Files.readString(err));
    }
    return new Result(command, process.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static Path python() {
    return require(SDK_ROOT.resolve("platform/bundledpythonunix/bin/python3"));
  }

  private static Path require(Path path) {
    if (!Files.exists(path)) {
      throw new AssertionError("the Google Cloud SDK is required for this test and " + path + " is missing (install"
          + " the SDK at " + SDK_ROOT + " or set GCP_WIF_SDK_ROOT)");
    }
    return path;
  }
}
