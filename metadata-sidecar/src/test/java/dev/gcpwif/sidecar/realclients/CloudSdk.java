package dev.gcpwif.sidecar.realclients;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real Google Cloud SDK tools as a pod with the metadata sidecar would: only the GCE_METADATA_* variables
 * point them at the sidecar; config, home and boto state are private temporary directories, and nothing of this
 * machine's own SDK settings leaks in. Fails (never skips) when the SDK is not installed.
 */
final class CloudSdk {
  static final Path ROOT = Path.of("/usr/lib/google-cloud-sdk");
  static final Path GCLOUD = ROOT.resolve("bin/gcloud");
  static final Path GSUTIL = ROOT.resolve("platform/gsutil/gsutil");
  static final Path PYTHON = ROOT.resolve("platform/bundledpythonunix/bin/python3");

  private final Path home;
  private final String metadataHostPort;

  CloudSdk(Path dir, String metadataHostPort) throws IOException {
    for (Path tool : List.of(GCLOUD, GSUTIL, PYTHON)) {
      assertThat(tool).as("the Google Cloud SDK must be installed at " + ROOT + " for this test").isExecutable();
    }
    this.home = Files.createDirectories(dir.resolve("home"));
    Files.createDirectories(dir.resolve("gcloud-config"));
    this.metadataHostPort = metadataHostPort;
  }

  Path home() {
    return home;
  }

  Result gcloud(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(GCLOUD.toString()));
    command.addAll(List.of(args));
    return run(command, Map.of());
  }

  Result run(List<String> command, Map<String, String> extraEnv) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
    Map<String, String> env = builder.environment();
    env.clear();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("LANG", "C.UTF-8");
    env.put("HOME", home.toString());
    env.put("CLOUDSDK_CONFIG", home.resolveSibling("gcloud-config").toString());
    env.put("CLOUDSDK_CORE_DISABLE_PROMPTS", "1");
    env.put("CLOUDSDK_CORE_DISABLE_USAGE_REPORTING", "1");
    env.put("CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK", "1");
    env.put("CLOUDSDK_PYTHON", PYTHON.toString());
    env.put("BOTO_CONFIG", home.resolve("boto.cfg").toString());
    env.put("BOTO_PATH", home.resolve("boto.cfg").toString());
    env.put("NO_PROXY", "127.0.0.1,localhost");
    // What the webhook injects into app containers in metadata mode.
    env.put("GCE_METADATA_HOST", metadataHostPort);
    env.put("GCE_METADATA_ROOT", metadataHostPort);
    env.put("GCE_METADATA_IP", metadataHostPort);
    env.putAll(extraEnv);
    Path out = Files.createTempFile(home, "out", ".txt");
    Path err = Files.createTempFile(home, "err", ".txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + command + "\n" + Files.readString(err));
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  record Result(int exitCode, String stdout, String stderr) {
    Result assertSuccess() {
      assertThat(exitCode).as("exit code; stderr:\n" + stderr + "\nstdout:\n" + stdout).isZero();
      return this;
    }
  }
}
