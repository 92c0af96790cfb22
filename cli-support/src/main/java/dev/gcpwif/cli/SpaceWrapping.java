package dev.gcpwif.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a help text breaks into lines: only at spaces. The JDK's line {@link java.text.BreakIterator} (which picocli
 * uses) also breaks after a '.' followed by a letter ({@code cloud.}⏎{@code google.com}, {@code deployment.}⏎{@code
 * yaml}), and names in help get copied and pasted. Plain text only, so that both command lines can use it: the
 * webhook's picocli help and the sidecar's own, which has no picocli.
 */
public final class SpaceWrapping {
  private SpaceWrapping() {}

  /**
   * The {@code [start, end)} of each piece of {@code text} cut at spaces: the first piece at most {@code firstWidth}
   * long, the others {@code nextWidth}. The spaces at a cut belong to no piece; a word longer than a line stays whole
   * (cutting it would be the break this class exists to avoid).
   */
  public static List<int[]> spans(String text, int firstWidth, int nextWidth) {
    List<int[]> spans = new ArrayList<>();
    int start = 0;
    int width = firstWidth;
    while (text.length() - start > width) {
      int cut = text.lastIndexOf(' ', start + width);
      if (cut <= start) {
        cut = text.indexOf(' ', start + width);
        if (cut < 0) {
          break;
        }
      }
      spans.add(new int[] {start, cut});
      start = cut;
      while (start < text.length() && text.charAt(start) == ' ') {
        start++;
      }
      width = nextWidth;
    }
    spans.add(new int[] {start, text.length()});
    return spans;
  }

  /** {@code text} cut at spaces into lines of at most {@code width} (but for words longer than that). */
  public static List<String> lines(String text, int width) {
    List<String> lines = new ArrayList<>();
    for (int[] span : spans(text, width, width)) {
      lines.add(text.substring(span[0], span[1]));
    }
    return lines;
  }
}
