package dev.gcpwif.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Images cannot be built on the project's machines (no Docker engine), so this pins down what a build would need:
 * runs after {@code package}, when both jars exist, and checks every path the Dockerfiles copy.
 */
class DockerfilesIT {
  private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
  private static final Pattern JSON_ARRAY_ITEM = Pattern.compile("\"([^\"]*)\"");

  private record Instruction(String keyword, List<String> args) {}

  @ParameterizedTest
  @CsvSource({"Dockerfile.webhook, webhook/target/webhook.jar, /app/webhook.jar",
      "Dockerfile.sidecar, metadata-sidecar/target/metadata-sidecar.jar, /app/metadata-sidecar.jar"})
  void everyCopiedPathExistsAfterPackageAndTheEntrypointRunsTheCopiedJar(
      String dockerfile, String builtJar, String imageJar) throws IOException {
    List<Instruction> instructions = parse(ROOT.resolve(dockerfile));
    String buildWorkdir = null;
    List<String> copiedIntoImage = new ArrayList<>();
    for (Instruction in : instructions) {
      if (in.keyword().equals("WORKDIR") && buildWorkdir == null) {
        buildWorkdir = in.args().get(0);
      }
      if (!in.keyword().equals("COPY")) {
        continue;
      }
      List<String> args = in.args();
      boolean fromStage = args.get(0).startsWith("--from=");
      List<String> sources = args.subList(fromStage ? 1 : 0, args.size() - 1);
      for (String source : sources) {
        String inRepo = fromStage ? stripPrefix(source, buildWorkdir + "/") : source;
        assertThat(ROOT.resolve(inRepo)).as("%s copies %s", dockerfile, source).exists();
        if (fromStage) {
          assertThat(inRepo).isEqualTo(builtJar);
          copiedIntoImage.add(args.get(args.size() - 1));
        }
      }
    }
    assertThat(copiedIntoImage).containsExactly(imageJar);

    List<String> entrypoint = execForm(instructions, "ENTRYPOINT");
    assertThat(entrypoint.get(0)).isEqualTo("java");
    assertThat(entrypoint.subList(entrypoint.size() - 2, entrypoint.size())).containsExactly("-jar", imageJar);

    String user = last(instructions, "USER").args().get(0);
    assertThat(user).matches("\\d+(:\\d+)?");
    assertThat(Integer.parseInt(user.split(":")[0])).as("runs as a non-root uid").isPositive();
    assertThat(last(instructions, "FROM").args().get(0)).as("runtime image has no shell").contains("distroless");
  }

  /**
   * The sidecar image trains its application CDS archive at build time and maps it at start: the same file in both,
   * written before the image drops root, with the image's own flags, and not named in jvm.options (the JVM would
   * refuse to start the training run).
   */
  @org.junit.jupiter.api.Test
  void sidecarImageTrainsTheClassDataArchiveItsEntrypointMaps() throws IOException {
    List<Instruction> instructions = parse(ROOT.resolve("Dockerfile.sidecar"));
    int training = -1;
    for (int i = 0; i < instructions.size(); i++) {
      if (instructions.get(i).keyword().equals("RUN") && String.join(" ", instructions.get(i).args()).contains("--train")) {
        training = i;
      }
    }
    assertThat(training).as("a RUN of the sidecar's --train mode").isPositive();
    List<String> run = execForm(List.of(instructions.get(training)), "RUN");
    assertThat(run.subList(0, 2)).containsExactly("java", "@/app/jvm.options");
    assertThat(run.subList(run.size() - 3, run.size())).containsExactly("-jar", "/app/metadata-sidecar.jar", "--train");
    String archive = run.stream().filter(arg -> arg.startsWith("-XX:ArchiveClassesAtExit=")).findFirst().orElseThrow()
        .substring("-XX:ArchiveClassesAtExit=".length());
    int user = instructions.indexOf(last(instructions, "USER"));
    assertThat(training).as("trains before dropping root").isLessThan(user);
    // The distroless :nonroot base already runs as 65532, which cannot write the archive into /app: the training
    // step needs an explicit USER 0 in the runtime stage before it.
    int runtimeStage = instructions.indexOf(last(instructions, "FROM"));
    String userWhileTraining = instructions.subList(runtimeStage, training).stream()
        .filter(i -> i.keyword().equals("USER")).reduce((a, b) -> b).map(i -> i.args().get(0)).orElse("the base image's");
    assertThat(userWhileTraining).as("user of the training RUN").matches("(0|root)(:(0|root))?");
    assertThat(execForm(instructions, "ENTRYPOINT")).contains("-XX:SharedArchiveFile=" + archive);
    assertThat(Files.readAllLines(ROOT.resolve("metadata-sidecar/jvm.options")))
        .filteredOn(line -> !line.strip().startsWith("#"))
        .noneMatch(line -> line.contains("-XX:SharedArchiveFile"));
  }

  private static String stripPrefix(String path, String prefix) {
    assertThat(path).startsWith(prefix);
    return path.substring(prefix.length());
  }

  private static Instruction last(List<Instruction> instructions, String keyword) {
    return instructions.stream().filter(i -> i.keyword().equals(keyword)).reduce((a, b) -> b).orElseThrow();
  }

  private static List<String> execForm(List<Instruction> instructions, String keyword) {
    String raw = String.join(" ", last(instructions, keyword).args());
    assertThat(raw).as("%s uses the exec form", keyword).startsWith("[");
    List<String> items = new ArrayList<>();
    Matcher m = JSON_ARRAY_ITEM.matcher(raw);
    while (m.find()) {
      items.add(m.group(1));
    }
    return items;
  }

  private static List<Instruction> parse(Path dockerfile) throws IOException {
    List<Instruction> out = new ArrayList<>();
    for (String line : Files.readAllLines(dockerfile)) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      String[] words = trimmed.split("\\s+");
      out.add(new Instruction(words[0].toUpperCase(), Arrays.asList(words).subList(1, words.length)));
    }
    return out;
  }
}
