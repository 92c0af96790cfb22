package dev.gcpwif.webhook.tls;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Just enough ASN.1 DER to turn PKCS#1 and SEC1 keys into PKCS#8, which is all the JDK's {@code KeyFactory} reads.
 * Only definite lengths (DER never uses indefinite ones).
 */
final class Der {
  static final int INTEGER = 0x02;
  static final int BIT_STRING = 0x03;
  static final int OCTET_STRING = 0x04;
  static final int NULL = 0x05;
  static final int OBJECT_IDENTIFIER = 0x06;
  static final int SEQUENCE = 0x30;
  static final int CONTEXT_0 = 0xA0;

  /** One tag-length-value; {@code value} is a copy of the content octets. */
  record Element(int tag, byte[] value, byte[] encoded) {
    List<Element> children() {
      return Der.parseSequenceContent(value);
    }
  }

  private Der() {}

  static Element parse(byte[] der) {
    Element element = read(der, 0);
    if (element.encoded().length != der.length) {
      throw new IllegalArgumentException("trailing bytes after the DER structure");
    }
    return element;
  }

  static List<Element> parseSequenceContent(byte[] content) {
    List<Element> out = new ArrayList<>();
    int offset = 0;
    while (offset < content.length) {
      Element e = read(content, offset);
      out.add(e);
      offset += e.encoded().length;
    }
    return out;
  }

  private static Element read(byte[] buf, int offset) {
    int pos = offset;
    require(buf, pos, 2);
    int tag = buf[pos++] & 0xFF;
    int first = buf[pos++] & 0xFF;
    int length;
    if (first < 0x80) {
      length = first;
    } else {
      int count = first & 0x7F;
      if (count == 0 || count > 3) {
        throw new IllegalArgumentException("unsupported DER length encoding");
      }
      require(buf, pos, count);
      length = 0;
      for (int i = 0; i < count; i++) {
        length = (length << 8) | (buf[pos++] & 0xFF);
      }
    }
    require(buf, pos, length);
    byte[] value = java.util.Arrays.copyOfRange(buf, pos, pos + length);
    byte[] encoded = java.util.Arrays.copyOfRange(buf, offset, pos + length);
    return new Element(tag, value, encoded);
  }

  private static void require(byte[] buf, int pos, int count) {
    if (count < 0 || pos + count > buf.length) {
      throw new IllegalArgumentException("truncated DER structure");
    }
  }

  static byte[] encode(int tag, byte[]... contents) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] c : contents) {
      content.writeBytes(c);
    }
    int length = content.size();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    if (length < 0x80) {
      out.write(length);
    } else if (length <= 0xFF) {
      out.write(0x81);
      out.write(length);
    } else if (length <= 0xFFFF) {
      out.write(0x82);
      out.write(length >> 8);
      out.write(length);
    } else {
      out.write(0x83);
      out.write(length >> 16);
      out.write(length >> 8);
      out.write(length);
    }
    out.writeBytes(content.toByteArray());
    return out.toByteArray();
  }
}
