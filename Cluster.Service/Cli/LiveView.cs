using System.Globalization;
using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Types.V1;
using Cluster.Service.ClusterLog;
using Monitor = Cluster.Protocol.Admin.V1.Monitor;

namespace Cluster.Service.Cli;

/// <summary>What one frame of `cluster up`'s live view shows.</summary>
internal sealed record LiveSnapshot(
    DateTimeOffset Time,
    string Directory,
    string ClusterCommand,
    IReadOnlyList<ClusterNode> Nodes,
    IReadOnlyList<Group> Groups,
    IReadOnlyList<Resource> Resources,
    IReadOnlyList<(string Node, Monitor Item)> Monitors,
    IReadOnlyList<ClusterLogEntry> Events,
    IReadOnlyList<string> Calls);

/// <summary>
/// `cluster up`'s live view as lines that fit the terminal: never wider than it (lines are cut, not
/// wrapped), never taller. The two lines a user needs (when it refreshed; how to call `cluster` on this
/// cluster) always stay on top; then nodes, groups (a resource only when it is not as it should be),
/// monitors, and the latest events and calls in whatever room is left. A pure function of the snapshot.
/// </summary>
internal static class LiveView
{
    public const int MinimumWidth = 40;
    public const int MinimumHeight = 12;

    /// <summary>The terminal's size: COLUMNS and LINES when both are set, else the console's; null when output is not a terminal (nothing to fit).</summary>
    public static (int Width, int Height)? TerminalSize()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), CultureInfo.InvariantCulture, out var columns)
            && int.TryParse(Environment.GetEnvironmentVariable("LINES"), CultureInfo.InvariantCulture, out var lines))
        {
            return (columns, lines);
        }

        try
        {
            return Console.IsOutputRedirected ? null : (Console.WindowWidth, Console.WindowHeight);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static IReadOnlyList<string> Render(LiveSnapshot view, (int Width, int Height)? size)
    {
        var width = size is { } s ? Math.Max(MinimumWidth, s.Width) : int.MaxValue;
        var height = size is { } t ? Math.Max(MinimumHeight, t.Height) : int.MaxValue;
        List<string> top =
        [
            $"cluster up · {view.Nodes.Count(n => n.State != "Down")}/{view.Nodes.Count} nodes up · refreshed {view.Time.ToLocalTime():HH:mm:ss} · Ctrl-C stops it · another terminal:",
            "export CLUSTER_DIR=" + CutMiddle(view.Directory, width - 19), // then, from another terminal:
            CutMiddle(view.ClusterCommand, width - 42) + " status|log -f|trace -f|node kill N",
            "NODES  " + string.Join("  ", view.Nodes.Select(n => $"{n.Name} {n.State}{(n.Coordinator ? "*" : string.Empty)}")),
        ];
        var groups = Groups(view);
        var monitors = view.Monitors.GroupBy(m => m.Node).Select(g =>
            $"  {g.Key}: " + string.Join(", ", g.Select(m => $"{(m.Item.Dedicated ? "dedicated" : "shared")} {m.Item.Pid} ({m.Item.Resources.Count}){(m.Item.Restarts > 0 ? $" restarts {m.Item.Restarts}" : string.Empty)}")))
            .ToList();
        var events = view.Events.Select(e => "  " + e.Format()[11..]).ToList(); // the date is today's: the time says enough
        var calls = view.Calls.Select(c => "  " + c).ToList();

        // Room: the top always; then groups (with their problems), monitors, events and calls as they fit.
        var room = height - top.Count - 1; // the last line stays empty: the cursor rests there
        var callsRoom = Math.Min(calls.Count, room >= 20 ? 3 : room >= 14 ? 2 : 0);
        var eventsRoom = Math.Min(events.Count, room >= 16 ? 6 : room >= 10 ? 3 : 1);
        var sections = new List<string>();
        var groupLines = Fit("GROUPS", groups, room - Header(monitors, 1) - Header(events, eventsRoom) - Header(calls, callsRoom));
        sections.AddRange(groupLines);
        var monitorLines = Fit("MONITORS", monitors, Math.Min(monitors.Count + 1, room - sections.Count - Header(events, eventsRoom) - Header(calls, callsRoom)));
        sections.AddRange(monitorLines);
        sections.AddRange(Fit("EVENTS", events, room - sections.Count - Header(calls, callsRoom), latest: true));
        sections.AddRange(Fit("CALLS (latest; cluster trace -f shows them all)", calls, room - sections.Count, latest: true));
        return [.. top.Concat(sections).Take(height - 1).Select(line => Cut(line, width))];
    }

    /// <summary>A group a line; under it, each resource that is not Online while its group should run, or that restarted.</summary>
    private static List<string> Groups(LiveSnapshot view)
    {
        var lines = new List<string>();
        foreach (var group in view.Groups)
        {
            var resources = view.Resources.Where(r => r.Group == group.Name).ToList();
            var online = resources.Count(r => r.State == ResourceState.Online);
            lines.Add($"  {group.Name,-14} {group.State,-13} on {(group.Node.Length > 0 ? group.Node : "no node"),-6} {online}/{resources.Count} resources Online");
            foreach (var r in resources.Where(r => (r.State != ResourceState.Online && r.PersistentState == ResourceState.Online) || r.RestartCount > 0))
            {
                lines.Add($"    {r.Name,-16} {StateNames.Of(r.State),-14} restarts {r.RestartCount}{(r.Hosted ? $", monitor {r.MonitorId}" : string.Empty)}");
            }
        }

        return lines;
    }

    /// <summary>How many lines a section takes with <paramref name="rows"/> of its items shown: its heading and them (none: nothing).</summary>
    private static int Header(List<string> items, int rows) => items.Count == 0 || rows <= 0 ? 0 : 1 + Math.Min(rows, items.Count);

    /// <summary>A heading and as many items as fit in <paramref name="room"/> lines; the first ones, or the latest, with a line for what was left out.</summary>
    private static List<string> Fit(string heading, List<string> items, int room, bool latest = false)
    {
        if (room < 2 || items.Count == 0)
        {
            return room >= 1 && items.Count > 0 ? [$"{heading}: {items.Count} not shown (a taller terminal shows them)"] : [];
        }

        if (items.Count <= room - 1)
        {
            return [heading, .. items];
        }

        var shown = room - 2;
        var kept = latest ? items.Skip(items.Count - shown) : items.Take(shown);
        var more = $"  … {items.Count - shown} more{(latest ? " before these" : string.Empty)}";
        return latest ? [heading, more, .. kept] : [heading, .. kept, more];
    }

    private static string Cut(string line, int width) => line.Length <= width ? line : line[..(width - 1)] + "…";

    /// <summary>A path that keeps its end (the part that tells which cluster, which build) when it must be shortened.</summary>
    private static string CutMiddle(string path, int room) =>
        path.Length <= Math.Max(room, 12) ? path : "…" + path[^(Math.Max(room, 12) - 1)..];
}
