package dev.gcpwif.webhook.certs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

/**
 * Writes the serving pair where the HTTPS server reloads it from. Each file is replaced by a rename from a temporary
 * file in the same directory, so a reader sees the old or the new content, never a partial one. The key goes first:
 * a reload that lands between the two renames sees a new key with the old certificate for one poll, which the
 * server must reject (key and certificate must match) and retry.
 */
final class ServingFiles {

  private final Path certFile;
  private final Path keyFile;

  ServingFiles(Path certFile, Path keyFile) {
    this.certFile = certFile;
    this.keyFile = keyFile;
  }

  /** @return whether either file changed */
  boolean write(String certificatePem, String keyPem) {
    boolean keyChanged = replaceIfDifferent(keyFile, keyPem);
    boolean certChanged = replaceIfDifferent(certFile, certificatePem);
    return keyChanged || certChanged;
  }

  private static boolean replaceIfDifferent(Path file, String content) {
    byte[] bytes = content.getBytes(StandardCharsets.US_ASCII);
    try {
      if (Files.isRegularFile(file) && Arrays.equals(Files.readAllBytes(file), bytes)) {
        return false;
      }
      Path directory = file.toAbsolutePath().getParent();
      Files.createDirectories(directory);
      Path temporary = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
          ? Files.createTempFile(directory, "." + file.getFileName(), ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
          : Files.createTempFile(directory, "." + file.getFileName(), ".tmp");
      try {
        Files.write(temporary, bytes);
        try {
          Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(temporary);
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
