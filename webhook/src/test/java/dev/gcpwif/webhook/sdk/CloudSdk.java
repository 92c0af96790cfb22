package dev.gcpwif.webhook.sdk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real Google Cloud SDK ({@code gcloud}, {@code gsutil}) with exactly the environment given plus
 * isolation variables, bounded in time. A missing SDK fails the test: these tests are the proof that the
 * injected files work with the real tools.
 */
public final class CloudSdk {
  public record Result(int exitCode, String stdout, String stderr) {}

  private final Path home;

  /** @param home a temp directory that holds HOME, CLOUDSDK_CONFIG and gsutil's state */
  public CloudSdk(Path home) {
    this.home = home;
  }

  public static String executable(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new AssertionError(name + " (Google Cloud SDK) is not on PATH: it is required to run this test");
  }

  /** The variables every run gets: its own config and home, no prompts, no reporting, no update checks. */
  public Map<String, String> isolation() throws IOException {
    Path config = Files.createDirectories(home.resolve("gcloud-config"));
    return Map.of(
        "HOME", home.toString(),
        "CLOUDSDK_CONFIG", config.toString(),
        "CLOUDSDK_CORE_DISABLE_PROMPTS", "1",
        "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING", "1",
        "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK", "1",
        // Keeps gcloud from probing a GCE metadata server that is not there.
        "CLOUDSDK_CORE_CHECK_GCE_METADATA", "false",
        "NO_GCE_CHECK", "True",
        "GCE_METADATA_ROOT", "127.0.0.1:9",
        "GCE_METADATA_HOST", "127.0.0.1:9",
        "PATH", System.getenv("PATH"));
  }

  public Result run(Map<String, String> env, Duration timeout, List<String> command)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
    builder.environment().clear();
    builder.environment().putAll(isolation());
    builder.environment().putAll(env);
    Path out = Files.createTempFile(home, "stdout", ".txt");
    Path err = Files.createTempFile(home, "stderr", ".txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new AssertionError(command + " did not finish within " + timeout + "; stderr: "
          + Files.readString(err, StandardCharsets.UTF_8));
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
