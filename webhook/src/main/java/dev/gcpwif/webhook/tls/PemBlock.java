package dev.gcpwif.webhook.tls;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One {@code -----BEGIN TYPE----- ... -----END TYPE-----} block of a PEM file (RFC 7468), decoded to DER. */
record PemBlock(String type, byte[] der) {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

  /** All blocks in order; text outside blocks (OpenSSL's "Bag Attributes", comments) is ignored as RFC 7468 allows. */
  static List<PemBlock> parseAll(String text) {
    List<PemBlock> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      String body = m.group(2);
      if (body.contains(":")) {
        // RFC 1421 headers ("Proc-Type: 4,ENCRYPTED") mean an encrypted legacy key.
        blocks.add(new PemBlock(m.group(1), null));
        continue;
      }
      byte[] der;
      try {
        der = Base64.getMimeDecoder().decode(body.replaceAll("\\s", ""));
      } catch (IllegalArgumentException e) {
        der = new byte[0];
      }
      blocks.add(new PemBlock(m.group(1), der));
    }
    return blocks;
  }

  boolean hasLegacyEncryptionHeaders() {
    return der == null;
  }
}
