package dev.gcpwif.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.ColorScheme;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Help whose lines break only at spaces. Picocli wraps with the JDK's line {@link java.text.BreakIterator}, which also
 * breaks after a '.' followed by a letter ({@code cloud.}⏎{@code google.com}, {@code deployment.}⏎{@code yaml}), and
 * names in help get copied and pasted. So every text is cut here at spaces into pieces that fit, before picocli lays
 * it out; only a single word longer than a whole line is still cut by picocli.
 */
public final class SpaceWrappingHelp extends Help {
  public static final CommandLine.IHelpFactory FACTORY = SpaceWrappingHelp::new;

  private SpaceWrappingHelp(CommandSpec spec, ColorScheme colorScheme) {
    super(spec, colorScheme);
  }

  @Override
  public Layout createDefaultLayout(List<OptionSpec> options, List<PositionalParamSpec> positionals,
      ColorScheme colorScheme) {
    Layout layout = super.createDefaultLayout(options, positionals, colorScheme);
    return new SpaceWrappingLayout(colorScheme, layout);
  }

  @Override
  public String header(Object... params) {
    return paragraphs(commandSpec().usageMessage().header(), params);
  }

  @Override
  public String description(Object... params) {
    return paragraphs(commandSpec().usageMessage().description(), params);
  }

  @Override
  public String footer(Object... params) {
    return paragraphs(commandSpec().usageMessage().footer(), params);
  }

  private String paragraphs(String[] values, Object... params) {
    int width = commandSpec().usageMessage().width();
    List<String> lines = new ArrayList<>();
    for (String value : values) {
      for (String line : String.format(value, params).split("\\R", -1)) {
        for (Text piece : pieces(colorScheme().text(line), width, width)) {
          lines.add(piece.plainString().replace("%", "%%")); // join() formats each line again
        }
      }
    }
    return join(colorScheme().ansi(), width, commandSpec().usageMessage().adjustLineBreaksForWideCJKCharacters(),
        lines.toArray(new String[0]), new StringBuilder()).toString();
  }

  /** The option table, each description row cut at spaces into rows that fit its column. */
  private static final class SpaceWrappingLayout extends Layout {
    SpaceWrappingLayout(ColorScheme colorScheme, Layout layout) {
      super(colorScheme, layout.textTable(), layout.optionRenderer(), layout.parameterRenderer());
    }

    @Override
    public void layout(ArgSpec argSpec, Text[][] rows) {
      TextTable table = textTable();
      Column[] columns = table.columns();
      int last = columns.length - 1;
      int firstWidth = columns[last].width - columns[last].indent;
      int nextWidth = firstWidth - table.indentWrappedLines;
      Text indent = colorScheme.text(" ".repeat(table.indentWrappedLines));
      List<Text[]> cut = new ArrayList<>();
      for (Text[] row : rows) {
        if (row.length != columns.length || row[last] == null) {
          cut.add(row);
          continue;
        }
        List<Text> pieces = pieces(row[last], firstWidth, nextWidth);
        Text[] first = row.clone();
        first[last] = pieces.get(0);
        cut.add(first);
        for (Text piece : pieces.subList(1, pieces.size())) {
          Text[] next = new Text[columns.length];
          Arrays.fill(next, colorScheme.text(""));
          next[last] = indent.concat(piece);
          cut.add(next);
        }
      }
      super.layout(argSpec, cut.toArray(new Text[0][]));
    }
  }

  /** {@code text} cut at spaces: the first piece at most {@code firstWidth} long, the others {@code nextWidth}. */
  static List<Text> pieces(Text text, int firstWidth, int nextWidth) {
    String plain = text.plainString();
    List<Text> pieces = new ArrayList<>();
    int start = 0;
    int width = firstWidth;
    while (plain.length() - start > width) {
      int cut = plain.lastIndexOf(' ', start + width);
      if (cut <= start) {
        cut = plain.indexOf(' ', start + width); // a word longer than the line: keep it whole
        if (cut < 0) {
          break;
        }
      }
      pieces.add(text.substring(start, cut));
      start = cut;
      while (start < plain.length() && plain.charAt(start) == ' ') {
        start++;
      }
      width = nextWidth;
    }
    pieces.add(text.substring(start));
    return pieces;
  }
}
