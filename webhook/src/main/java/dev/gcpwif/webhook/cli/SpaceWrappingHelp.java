package dev.gcpwif.webhook.cli;

import dev.gcpwif.cli.SpaceWrapping;
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
 * Help whose lines break only at spaces ({@link SpaceWrapping} says why). Every text is cut here at spaces into pieces
 * that fit, before picocli lays it out; only a single word longer than a whole line is still cut by picocli. In the
 * webhook, not in cli-support: the sidecar parses its flags without picocli, so picocli stays out of its jar.
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
    List<Text> pieces = new ArrayList<>();
    for (int[] span : SpaceWrapping.spans(text.plainString(), firstWidth, nextWidth)) {
      pieces.add(text.substring(span[0], span[1]));
    }
    return pieces;
  }
}
