package dev.gcpwif.sidecar.upstream;

import dev.gcpwif.sidecar.config.CredentialConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Checks the projected ServiceAccount token file before google-auth reads it. google-auth sends whatever the file
 * holds, so an empty file (the kubelet creates the file before it writes the token, and a broken projection leaves it
 * so) would go to STS as an empty {@code subject_token}: a pointless request answered with an error that does not say
 * what is wrong here. Instead the fetch fails at once with the reason, and the sidecar stays not ready and retries.
 */
final class SubjectTokenFile {
  /** A projected token is about 1 KiB; reading more than this to find a non-blank byte is not needed. */
  private static final int PEEK_BYTES = 64 * 1024;

  private final Optional<Path> file;

  SubjectTokenFile(CredentialConfig config) {
    this.file = config.subjectTokenFile();
  }

  /** @throws IOException with a one-line reason when the file is missing, unreadable or holds no token */
  void requireToken() throws IOException {
    if (file.isEmpty()) {
      return; // a URL or executable source: google-auth reads it, nothing to check here
    }
    Path path = file.get();
    byte[] head;
    try (var in = Files.newInputStream(path)) {
      head = in.readNBytes(PEEK_BYTES);
    } catch (NoSuchFileException e) {
      throw new IOException("subject token file " + path + " does not exist (the projected ServiceAccount token is "
          + "not mounted, or the kubelet has not written it yet)");
    } catch (IOException e) {
      throw new IOException("cannot read subject token file " + path + ": " + e.getMessage());
    }
    if (new String(head, StandardCharsets.UTF_8).isBlank()) {
      throw new IOException("subject token file " + path + " is empty (the kubelet has not written the projected "
          + "ServiceAccount token yet); not sending an empty subject token to STS");
    }
  }
}
