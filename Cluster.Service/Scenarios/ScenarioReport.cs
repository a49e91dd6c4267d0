using System.Globalization;
using System.Net;
using System.Text;

namespace Cluster.Service.Scenarios;

/// <summary>
/// The HTML report of scenario runs (index.html, self-contained): per scenario, a timeline with a lane
/// per group and per resource on each node, coloured by state over time, the injected faults and other
/// actions as vertical marks, and each expectation where it held (or where its time ran out); then the steps.
/// </summary>
internal static class ScenarioReport
{
    private const int LaneHeight = 18;
    private const int LabelWidth = 190;
    private const int PlotWidth = 900;
    private const int Top = 46;

    private static readonly Dictionary<string, string> s_colours = new(StringComparer.Ordinal)
    {
        ["Online"] = "#3a9d48",
        ["OnlinePending"] = "#a6d96a",
        ["Pending"] = "#a6d96a",
        ["PartialOnline"] = "#d9ef8b",
        ["OfflinePending"] = "#fdae61",
        ["Failed"] = "#d7191c",
        ["Offline"] = "#e6e6e6",
    };

    /// <returns>The page's path.</returns>
    public static string Write(string directory, IReadOnlyList<ScenarioResult> results)
    {
        Directory.CreateDirectory(directory);
        var page = Path.Combine(directory, "index.html");
        File.WriteAllText(page, Render(results));
        return page;
    }

    public static string Render(IReadOnlyList<ScenarioResult> results)
    {
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Cluster scenarios</title>
            <style>
            body { font: 13px system-ui, sans-serif; margin: 16px; color: #222; }
            h2 { margin: 24px 0 4px; } .passed { color: #1a7f37; } .failed { color: #cf222e; }
            table { border-collapse: collapse; margin-top: 8px; } td, th { padding: 2px 8px; text-align: left; vertical-align: top; }
            tr:nth-child(even) { background: #f6f8fa; } .num { text-align: right; font-variant-numeric: tabular-nums; }
            svg text { font: 11px system-ui, sans-serif; } .legend span { display: inline-block; padding: 1px 6px; margin-right: 4px; }
            </style></head><body>
            <h1>Cluster scenarios</h1>
            """);
        html.Append(CultureInfo.InvariantCulture, $"<p>{results.Count(r => r.Passed)} of {results.Count} passed. ");
        html.Append("<span class=\"legend\">");
        foreach (var (state, colour) in s_colours)
        {
            html.Append(CultureInfo.InvariantCulture, $"<span style=\"background:{colour}\">{state}</span>");
        }

        html.Append("</span></p>\n");
        foreach (var result in results)
        {
            Scenario(html, result);
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void Scenario(StringBuilder html, ScenarioResult result)
    {
        html.Append(CultureInfo.InvariantCulture,
            $"<h2>{E(result.Name)} <span class=\"{(result.Passed ? "passed" : "failed")}\">{(result.Passed ? "passed" : "FAILED")}</span></h2>\n");
        html.Append(CultureInfo.InvariantCulture, $"<div>{E(result.Path)}{(result.Description is null ? string.Empty : " — " + E(result.Description))}</div>\n");
        if (result.Failure is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"failed\">{E(result.Failure)}</p>\n");
        }

        Timeline(html, result);
        html.Append("<table><tr><th>line</th><th class=\"num\">at</th><th>step</th><th>outcome</th><th class=\"num\">took</th></tr>\n");
        foreach (var step in result.Steps)
        {
            var detail = step.Expectations is { } expectations
                ? string.Join("<br>", expectations.Select(e => e.Met
                    ? $"{E(e.Description)}: met after {Ms(e.AfterMs!.Value)} <small>({E(e.Evidence ?? string.Empty)})</small>"
                    : $"{E(e.Description)}: <b>not met</b>; saw {E(e.SeenInstead ?? string.Empty)}"))
                : E(step.Description) + (step.Detail is null ? string.Empty : $" <small>({E(step.Detail)})</small>");
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{step.Line}</td><td class=\"num\">{Ms(step.AtMs)}</td><td>{detail}</td><td class=\"{(step.Outcome == "failed" ? "failed" : string.Empty)}\">{step.Outcome}</td><td class=\"num\">{Ms(step.DurationMs)}</td></tr>\n");
        }

        html.Append("</table>\n");
    }

    private static void Timeline(StringBuilder html, ScenarioResult result)
    {
        var lanes = Lanes(result);
        var marked = result.Events.Where(e => e.EventId is not null && e.AtMs >= 0).ToList();
        foreach (var node in marked.Where(e => LaneOf(e, lanes) < 0).Select(e => e.Node).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            lanes.Add(($"node {node} (events)", []));
        }

        var end = Math.Max(1, Math.Max(
            result.Steps.Select(s => s.AtMs + s.DurationMs).DefaultIfEmpty(0).Max(),
            result.Events.Where(e => e.AtMs >= 0).Select(e => e.AtMs).DefaultIfEmpty(0).Max()) * 1.02);
        var height = Top + (lanes.Count * LaneHeight) + 24;
        double X(double ms) => LabelWidth + (Math.Clamp(ms, 0, end) / end * PlotWidth);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{LabelWidth + PlotWidth + 20}\" height=\"{height}\" role=\"img\" aria-label=\"timeline of {E(result.Name)}\">\n");
        for (var i = 0; i < lanes.Count; i++)
        {
            var (label, segments) = lanes[i];
            var y = Top + (i * LaneHeight);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{y + 13}\">{E(label)}</text>\n");
            foreach (var (from, to, state) in segments)
            {
                svg.Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{X(from):0.#}\" y=\"{y + 2}\" width=\"{Math.Max(1, X(to) - X(from)):0.#}\" height=\"{LaneHeight - 4}\" fill=\"{s_colours.GetValueOrDefault(state, "#999")}\"><title>{E(label)}: {E(state)} {Ms(from)}–{Ms(to)}</title></rect>\n");
            }
        }

        // WSFC's events (1069, 1146, 1230, 1205, 1177...) as ticks on the lane they concern, their ids staggered above.
        for (var i = 0; i < marked.Count; i++)
        {
            var e = marked[i];
            var lane = LaneOf(e, lanes);
            var y = Top + ((lane < 0 ? lanes.FindIndex(l => l.Label == $"node {e.Node} (events)") : lane) * LaneHeight);
            var x = X(e.AtMs);
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{x:0.#}\" y1=\"{y}\" x2=\"{x:0.#}\" y2=\"{y + LaneHeight}\" stroke=\"#111\" stroke-width=\"2\"><title>{Ms(e.AtMs)} {E(e.Node)}: event {e.EventId}: {E(e.Text)}</title></line>"
                + $"<text x=\"{x + 2:0.#}\" y=\"{y + (i % 2 == 0 ? 9 : 17)}\" font-size=\"9\" fill=\"#111\">{e.EventId}</text>\n");
        }

        // Time axis: the finest of these ticks that gives at most a dozen.
        var tick = new[] { 100.0, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000 }.FirstOrDefault(t => end / t <= 12, 600_000);
        for (var t = 0.0; t <= end; t += tick)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{X(t):0.#}\" y1=\"{height - 20}\" x2=\"{X(t):0.#}\" y2=\"{height - 16}\" stroke=\"#555\"/><text x=\"{X(t) - 6:0.#}\" y=\"{height - 4}\">{(t / 1000).ToString("0.#", CultureInfo.InvariantCulture)}s</text>\n");
        }

        var actionRow = 0;
        foreach (var s in result.Steps.Where(s => s.Outcome != "skipped"))
        {
            if (s.Expectations is { } expectations)
            {
                var y = Top - 6;
                foreach (var e in expectations)
                {
                    var x = e.Met ? X(MetAt(result, s, e)) : X(s.AtMs + s.DurationMs);
                    if (e.Met)
                    {
                        svg.Append(CultureInfo.InvariantCulture,
                            $"<path d=\"M{x:0.#} {y - 5} l5 5 l-5 5 l-5 -5 z\" fill=\"#1a7f37\"><title>met after {Ms(e.AfterMs!.Value)}: {E(e.Description)}</title></path>\n");
                    }
                    else
                    {
                        svg.Append(CultureInfo.InvariantCulture,
                            $"<path d=\"M{x - 5:0.#} {y - 5} l10 10 m0 -10 l-10 10\" stroke=\"#cf222e\" stroke-width=\"2\"><title>not met: {E(e.Description)}</title></path>\n");
                    }
                }

                continue;
            }

            var xa = X(s.AtMs);
            var fault = s.Action is "kill" or "freeze" or "thaw" or "isolate" or "rejoin" or "fail" or "control" or "exec";
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{xa:0.#}\" y1=\"{Top - 2}\" x2=\"{xa:0.#}\" y2=\"{height - 20}\" stroke=\"{(fault ? "#cf222e" : "#0969da")}\" stroke-dasharray=\"3 2\"><title>{E(s.Description)}</title></line>\n");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{xa + 2:0.#}\" y=\"{10 + (actionRow++ % 2 * 12)}\" fill=\"{(fault ? "#cf222e" : "#0969da")}\">{E(Short(s.Description))}</text>\n");
        }

        svg.Append("</svg>\n");
        html.Append(svg);
    }

    /// <summary>When an expectation held, on the run's clock: its step's last action plus how long after it.</summary>
    private static double MetAt(ScenarioResult result, StepResult step, ExpectationResult expectation)
    {
        var lastAction = result.Steps.TakeWhile(s => s != step).LastOrDefault(s => s.Expectations is null)?.AtMs ?? 0;
        return lastAction + expectation.AfterMs!.Value;
    }

    /// <summary>The lane of an event's resource (or group) on its node; -1: none.</summary>
    private static int LaneOf(EventRecord e, List<(string Label, List<(double From, double To, string State)> Segments)> lanes) =>
        lanes.FindIndex(l => l.Label == (e.Resource is not null ? $"{e.Resource} on {e.Node}" : $"group {e.Group} on {e.Node}"));

    /// <summary>A lane per group and per resource on each node that reported a state, groups first.</summary>
    private static List<(string Label, List<(double From, double To, string State)> Segments)> Lanes(ScenarioResult result)
    {
        var end = result.Events.Select(e => e.AtMs).DefaultIfEmpty(0).Max();
        end = Math.Max(end, result.Steps.Select(s => s.AtMs + s.DurationMs).DefaultIfEmpty(0).Max());
        var lanes = new SortedDictionary<string, List<(double From, double To, string State)>>(StringComparer.Ordinal);
        var open = new Dictionary<string, (double From, string State)>(StringComparer.Ordinal);
        void Close(string key, double at)
        {
            if (open.Remove(key, out var current) && current.State != "Offline")
            {
                lanes[key].Add((Math.Max(0, current.From), Math.Max(0, at), current.State));
            }
        }

        foreach (var e in result.Events)
        {
            if (e.Component == ClusterModel.RunnerComponent)
            {
                foreach (var key in open.Keys.Where(k => k.EndsWith($" on {e.Node}", StringComparison.Ordinal)).ToList())
                {
                    Close(key, e.AtMs);
                }

                continue;
            }

            if (e.NewState is not { } state || (e.Resource is null && e.Group is null) || (e.Resource is not null && e.Component != "RHS"))
            {
                continue;
            }

            var lane = e.Resource is not null ? $"2 {e.Resource} on {e.Node}" : $"1 group {e.Group} on {e.Node}";
            lanes.TryAdd(lane, []);
            Close(lane, e.AtMs);
            open[lane] = (e.AtMs, state);
        }

        foreach (var key in open.Keys.ToList())
        {
            Close(key, end);
        }

        return [.. lanes.Select(l => (l.Key[2..], l.Value))];
    }

    private static string Short(string text) => text.Length <= 28 ? text : text[..27] + "…";

    private static string Ms(double ms) => ms < 1000
        ? $"{ms.ToString("0.#", CultureInfo.InvariantCulture)} ms"
        : $"{(ms / 1000).ToString("0.000", CultureInfo.InvariantCulture)} s";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
