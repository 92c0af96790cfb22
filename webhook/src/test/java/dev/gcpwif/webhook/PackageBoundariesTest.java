package dev.gcpwif.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PackageBoundariesTest {
  private static final Path SOURCES = Path.of("src/main/java/dev/gcpwif/webhook");
  /** The command layer: the only code that parses flags. */
  private static final List<Path> COMMAND_LAYER =
      List.of(SOURCES.resolve("Main.java"), SOURCES.resolve("cli"), SOURCES.resolve("inject"), SOURCES.resolve("serve"));

  @Test
  void onlyTheCommandLayerKnowsPicocliAndTheCliPackage() throws IOException {
    List<String> offenders;
    try (Stream<Path> files = Files.walk(SOURCES)) {
      offenders = files.filter(file -> file.toString().endsWith(".java"))
          .filter(file -> COMMAND_LAYER.stream().noneMatch(file::startsWith))
          .filter(PackageBoundariesTest::importsTheCommandLayer)
          .map(file -> SOURCES.relativize(file).toString())
          .sorted().toList();
    }

    assertThat(offenders).as("main sources outside cli/, inject/, serve/ and Main importing picocli or cli").isEmpty();
  }

  @Test
  void theWalkSeesTheMainSources() {
    assertThat(SOURCES.resolve("certs/SelfSignedCertificates.java")).exists();
    assertThat(SOURCES.resolve("cli/SelfSignedOptions.java")).exists();
  }

  private static boolean importsTheCommandLayer(Path file) {
    try {
      return Files.readAllLines(file).stream().map(String::strip)
          .anyMatch(line -> line.startsWith("import picocli.") || line.startsWith("import dev.gcpwif.webhook.cli."));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
