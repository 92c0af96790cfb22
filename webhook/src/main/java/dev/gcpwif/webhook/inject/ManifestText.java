package dev.gcpwif.webhook.inject;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The text of an input file. YAML manifests are UTF-8 (kubectl reads nothing else); anything else, such as a binary
 * or a UTF-16 file, is refused with the offset of the first byte that is not UTF-8 rather than read as replacement
 * characters or reported as the decoder's "Input length = 1".
 */
final class ManifestText {
  private ManifestText() {}

  static String decode(String source, byte[] bytes) throws ManifestException {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      throw new ManifestException(source + ": not UTF-8 text (byte " + in.position() + " is 0x"
          + String.format("%02x", bytes[in.position()] & 0xff) + "); expected YAML manifests in UTF-8");
    }
    decoder.flush(out);
    return out.flip().toString();
  }
}
