using System.Globalization;
using System.Text;

namespace FastPath.Apps.Plots;

/// <summary>
/// The few SVG 1.1 elements a chart needs, written as text: rectangles, lines, polylines and labels. Numbers
/// go out with invariant culture and two decimals; text is XML-escaped. No styling beyond attributes, so the
/// file renders the same in browsers, Inkscape and GitHub's viewer.
/// </summary>
internal sealed class SvgWriter
{
    private readonly StringBuilder _svg = new();

    public SvgWriter(double width, double height)
    {
        Width = width;
        Height = height;
        _svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:0}\" height=\"{height:0}\" viewBox=\"0 0 {width:0} {height:0}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        Rectangle(0, 0, width, height, "#ffffff");
    }

    public double Width { get; }
    public double Height { get; }

    public void Rectangle(double x, double y, double width, double height, string fill, string? stroke = null, string? title = null)
    {
        _svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x:0.##}\" y=\"{y:0.##}\" width=\"{Math.Max(0, width):0.##}\" height=\"{Math.Max(0, height):0.##}\" fill=\"{fill}\"");
        if (stroke != null) _svg.Append(CultureInfo.InvariantCulture, $" stroke=\"{stroke}\"");
        if (title is null)
        {
            _svg.Append("/>\n");
            return;
        }
        _svg.Append("><title>").Append(Escape(title)).Append("</title></rect>\n");
    }

    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null)
    {
        _svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x1:0.##}\" y1=\"{y1:0.##}\" x2=\"{x2:0.##}\" y2=\"{y2:0.##}\" stroke=\"{stroke}\" stroke-width=\"{width:0.##}\"");
        if (dash != null) _svg.Append(CultureInfo.InvariantCulture, $" stroke-dasharray=\"{dash}\"");
        _svg.Append("/>\n");
    }

    public void Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width = 2)
    {
        _svg.Append("<polyline fill=\"none\" stroke=\"").Append(stroke).Append(CultureInfo.InvariantCulture, $"\" stroke-width=\"{width:0.##}\" stroke-linejoin=\"round\" points=\"");
        foreach ((double x, double y) in points) _svg.Append(CultureInfo.InvariantCulture, $"{x:0.##},{y:0.##} ");
        _svg.Append("\"/>\n");
    }

    /// <summary>A label; <paramref name="anchor"/> is start, middle or end; <paramref name="rotate"/> turns it about its anchor (degrees).</summary>
    public void Text(double x, double y, string text, string anchor = "start", double size = 12, string fill = "#222222", double rotate = 0, bool bold = false)
    {
        _svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:0.##}\" y=\"{y:0.##}\" text-anchor=\"{anchor}\" font-size=\"{size:0.##}\" fill=\"{fill}\"");
        if (bold) _svg.Append(" font-weight=\"bold\"");
        if (rotate != 0) _svg.Append(CultureInfo.InvariantCulture, $" transform=\"rotate({rotate:0.##} {x:0.##} {y:0.##})\"");
        _svg.Append('>').Append(Escape(text)).Append("</text>\n");
    }

    public override string ToString() => _svg + "</svg>\n";

    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
