package dev.gcpwif.webhook.inject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the offline commands' {@code -f} arguments: files, or {@code -} for stdin (read once, however often named). */
final class ManifestFiles {
  private ManifestFiles() {}

  static List<ManifestInjector.Source> read(List<String> names, InputStream stdin) throws ManifestException {
    List<ManifestInjector.Source> sources = new ArrayList<>();
    byte[] stdinContent = null;
    for (String name : names) {
      try {
        if (name.equals("-")) {
          if (stdinContent == null) {
            stdinContent = stdin.readAllBytes();
          }
          sources.add(new ManifestInjector.Source("stdin", ManifestText.decode("stdin", stdinContent)));
        } else {
          sources.add(new ManifestInjector.Source(name, ManifestText.decode(name, Files.readAllBytes(Path.of(name)))));
        }
      } catch (NoSuchFileException e) {
        throw new ManifestException(name + ": no such file");
      } catch (AccessDeniedException e) {
        throw new ManifestException(name + ": permission denied");
      } catch (IOException e) {
        throw new ManifestException(name + ": cannot read: " + e.getMessage());
      }
    }
    return sources;
  }
}
