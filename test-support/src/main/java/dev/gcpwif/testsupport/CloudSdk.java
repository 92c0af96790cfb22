package dev.gcpwif.testsupport;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real Google Cloud SDK (gcloud, gsutil, its bundled Python) and child JVMs with exactly the environment a
 * test gives plus isolation: their own HOME and CLOUDSDK_CONFIG, no prompts, no usage reporting, no update checks, a
 * bounded run time. Nothing of this machine's own SDK settings leaks in. A missing SDK FAILS the test (never skips):
 * these tests are the proof that what the project writes works with the real tools.
 */
public final class CloudSdk {
  public static final Path ROOT =
      Path.of(System.getenv().getOrDefault("GCP_WIF_SDK_ROOT", "/usr/lib/google-cloud-sdk"));
  /** Keeps gcloud from probing a GCE metadata server that is not there (port 9 is discard: refused at once). */
  public static final Map<String, String> NO_METADATA_SERVER = Map.of(
      "CLOUDSDK_CORE_CHECK_GCE_METADATA", "false",
      "NO_GCE_CHECK", "True",
      "GCE_METADATA_ROOT", "127.0.0.1:9",
      "GCE_METADATA_HOST", "127.0.0.1:9");

  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    public Result assertSuccess() {
      if (exitCode != 0) {
        throw new AssertionError(describe());
      }
      return this;
    }

    public String describe() {
      return String.join(" ", command) + " exited " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  private final Path home;

  /** @param home a directory of the test's that holds HOME, CLOUDSDK_CONFIG ({@code gcloud-config}) and the outputs */
  public CloudSdk(Path home) throws IOException {
    this.home = Files.createDirectories(home);
  }

  public Path home() {
    return home;
  }

  public static Path gcloud() {
    return require(ROOT.resolve("bin/gcloud"));
  }

  /** gsutil itself, to run with {@link #python()}: not the gcloud wrapper, which would add gcloud's own credentials. */
  public static Path gsutil() {
    return require(ROOT.resolve("platform/gsutil/gsutil"));
  }

  public static Path python() {
    return require(ROOT.resolve("platform/bundledpythonunix/bin/python3"));
  }

  /** The SDK's bundled google-auth and requests, for PYTHONPATH. */
  public static Path thirdParty() {
    return require(ROOT.resolve("lib/third_party"));
  }

  /** {@code name} as found on this JVM's PATH (the SDK as the machine installed it). */
  public static String executable(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new AssertionError(name + " (Google Cloud SDK) is not on PATH: it is required to run this test");
  }

  /** What the webhook injects into app containers in metadata mode, pointing at a sidecar on {@code hostPort}. */
  public static Map<String, String> metadataServerAt(String hostPort) {
    return Map.of("GCE_METADATA_HOST", hostPort, "GCE_METADATA_ROOT", hostPort, "GCE_METADATA_IP", hostPort);
  }

  /** The variables every run gets, before the test's own. */
  public Map<String, String> isolation() throws IOException {
    Path config = Files.createDirectories(home.resolve("gcloud-config"));
    return Map.of(
        "PATH", ROOT.resolve("bin") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG", "C.UTF-8",
        "HOME", home.toString(),
        "CLOUDSDK_CONFIG", config.toString(),
        "CLOUDSDK_CORE_DISABLE_PROMPTS", "1",
        "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING", "1",
        "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK", "1");
  }

  /** Runs {@code command} in HOME with {@link #isolation()} and then {@code env}, and nothing else, in the environment. */
  public Result run(List<String> command, Map<String, String> env, Duration timeout)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
    builder.environment().clear();
    builder.environment().putAll(isolation());
    builder.environment().putAll(env);
    Path out = Files.createTempFile(home, "stdout", ".txt");
    Path err = Files.createTempFile(home, "stderr", ".txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + "\n--- stderr\n"
          + Files.readString(err, StandardCharsets.UTF_8));
    }
    return new Result(command, process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static Path require(Path path) {
    if (!Files.exists(path)) {
      throw new AssertionError("the Google Cloud SDK is required for this test and " + path + " is missing (install"
          + " the SDK at " + ROOT + " or set GCP_WIF_SDK_ROOT)");
    }
    return path;
  }
}
