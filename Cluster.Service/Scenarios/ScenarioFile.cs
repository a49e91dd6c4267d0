using System.Globalization;
using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Types.V1;
using Cluster.Service.Database;
using Cluster.Service.Rcm;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cluster.Service.Scenarios;

/// <summary>
/// Reads a scenario file (docs/scenarios.md has every key). Every error names the file, line and column,
/// and names that the scenario uses (nodes, groups, resources) are checked against what it starts and applies.
/// </summary>
internal static class ScenarioFile
{
    public static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(30);

    private static readonly string[] s_actions =
        ["kill", "freeze", "thaw", "start", "isolate", "rejoin", "pause", "drain", "resume", "move", "fail", "set", "control", "online", "offline", "wait", "exec", "expect"];

    private static readonly string[] s_groupStates = Enum.GetNames<GroupState>();

    private static readonly string[] s_resourceStates = [.. Enum.GetNames<ResourceState>().Where(n => n != nameof(ResourceState.Unspecified))];

    /// <exception cref="ClusterUserException">The file cannot be read or is not a valid scenario; the message says where.</exception>
    public static async Task<Scenario> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
        {
            throw new ClusterUserException($"{path} is a directory: name scenario files (scenarios/*.yaml).");
        }

        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClusterUserException($"{path} cannot be read: {e.Message}");
        }

        return await ParseAsync(text, path, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<Scenario> ParseAsync(string text, string path, CancellationToken cancellationToken)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ClusterUserException($"{path}:{e.Start.Line}:{e.Start.Column}: {e.Message}");
        }

        if (stream.Documents.Count == 0)
        {
            throw new ClusterUserException($"{path} is empty: a scenario has a cluster, what to apply and steps (see docs/scenarios.md).");
        }

        var root = YamlNodes.Mapping(path, stream.Documents[0].RootNode, "a scenario");
        var entries = YamlNodes.Entries(path, root, "the scenario", ["name", "description", "cluster", "apply", "never", "steps"]).ToDictionary();
        var cluster = entries.TryGetValue("cluster", out var clusterNode)
            ? ParseCluster(path, clusterNode)
            : throw YamlNodes.Error(path, root, "the scenario needs a cluster (cluster: { nodes: 2 })");
        var apply = entries.TryGetValue("apply", out var applyNode)
            ? await ParseApplyAsync(path, applyNode, cancellationToken).ConfigureAwait(false)
            : new ApplyRequest();
        var names = new Names(path, cluster, apply);
        var never = entries.TryGetValue("never", out var neverNode)
            ? YamlNodes.Sequence(path, neverNode, "never").Select(n => ParsePredicate(path, n, names, invariant: true)).ToList()
            : [];
        var steps = entries.TryGetValue("steps", out var stepsNode)
            ? YamlNodes.Sequence(path, stepsNode, "steps").Select(n => ParseStep(path, n, names)).ToList()
            : throw YamlNodes.Error(path, root, "the scenario needs steps");
        if (steps.Count == 0)
        {
            throw YamlNodes.Error(path, stepsNode, "the scenario needs at least one step");
        }

        return new Scenario(
            entries.TryGetValue("name", out var name) ? YamlNodes.Text(path, name, "name") : System.IO.Path.GetFileNameWithoutExtension(path),
            path,
            entries.TryGetValue("description", out var description) ? YamlNodes.Text(path, description, "description") : null,
            cluster,
            apply,
            never,
            steps);
    }

    private static ScenarioCluster ParseCluster(string path, YamlNode node)
    {
        var mapping = YamlNodes.Mapping(path, node, "cluster");
        var nodes = 1;
        TimeSpan? deadlock = null, lease = null, health = null;
        foreach (var (key, value) in YamlNodes.Entries(path, mapping, "cluster", ["nodes", "deadlockTimeout", "leaseTtl", "healthTimeout"]))
        {
            switch (key)
            {
                case "nodes":
                    nodes = Integer(path, value, "nodes", 1, ScenarioCluster.MaxNodes);
                    break;
                case "deadlockTimeout":
                    deadlock = Duration(path, value, key, TimeSpan.FromMilliseconds(100));
                    break;
                case "leaseTtl":
                    lease = Duration(path, value, key, TimeSpan.FromMilliseconds(300));
                    break;
                default:
                    health = Duration(path, value, key, TimeSpan.FromMilliseconds(100));
                    break;
            }
        }

        return new ScenarioCluster(nodes, deadlock, lease, health);
    }

    /// <summary>Inline groups, or a cluster file (or a list of them) named relative to the scenario.</summary>
    private static async Task<ApplyRequest> ParseApplyAsync(string path, YamlNode node, CancellationToken cancellationToken)
    {
        if (node is YamlMappingNode inline)
        {
            return ClusterFile.Parse(inline, path);
        }

        var files = node is YamlSequenceNode list ? list.Children.ToList() : [node];
        var request = new ApplyRequest();
        foreach (var file in files)
        {
            var relative = YamlNodes.Text(path, file, "apply");
            var full = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!, relative);
            if (!File.Exists(full))
            {
                throw YamlNodes.Error(path, file, $"apply names {relative}, which does not exist (it is read relative to the scenario)");
            }

            var part = await ClusterFile.ReadAsync(full, cancellationToken).ConfigureAwait(false);
            request.Groups.Add(part.Groups);
            request.Resources.Add(part.Resources);
            request.GroupOnline.Add(part.GroupOnline);
        }

        return request;
    }

    private static ScenarioStep ParseStep(string path, YamlNode node, Names names)
    {
        var mapping = YamlNodes.Mapping(path, node, "a step");
        var entries = YamlNodes.Entries(path, mapping, "a step", [.. s_actions, "within", "refused"]).ToList();
        var actions = entries.Where(e => e.Key is not ("within" or "refused")).ToList();
        if (actions.Count != 1)
        {
            throw YamlNodes.Error(path, mapping, $"a step has exactly one action (one of {string.Join(", ", s_actions)}), not {actions.Count}");
        }

        var (action, value) = actions[0];
        var line = (int)mapping.Start.Line;
        var within = entries.FirstOrDefault(e => e.Key == "within").Value;
        if (within is not null && action != "expect")
        {
            throw YamlNodes.Error(path, within, "within belongs to an expect step");
        }

        var refused = entries.FirstOrDefault(e => e.Key == "refused").Value;
        if (refused is not null && action is "expect" or "wait" or "exec")
        {
            throw YamlNodes.Error(path, refused, "refused belongs to an action the cluster may refuse");
        }

        var step = ParseAction(path, action, value, line, within, names);
        return refused is null ? step : step with { Refused = YamlNodes.Text(path, refused, "refused") };
    }

    private static ScenarioStep ParseAction(string path, string action, YamlNode value, int line, YamlNode? within, Names names)
    {
        switch (action)
        {
            case "kill":
                return new SignalStep(line, SignalKind.Kill, ParseTarget(path, value, action, names));
            case "freeze":
                return new SignalStep(line, SignalKind.Freeze, ParseTarget(path, value, action, names));
            case "thaw":
                return new SignalStep(line, SignalKind.Thaw, ParseTarget(path, value, action, names));
            case "start":
                return new StartNodeStep(line, names.Node(value, action));
            case "isolate":
            case "rejoin":
                return new IsolateStep(line, names.Node(value, action), action == "isolate");
            case "pause":
            case "drain":
                return new PauseStep(line, names.Node(value, action), action == "drain");
            case "resume":
                if (value is YamlMappingNode resume)
                {
                    var args = Arguments(path, resume, action, ["node", "failback"]);
                    return new ResumeStep(line, names.Node(args["node"], action), args.TryGetValue("failback", out var f) && Boolean(path, f, "failback"));
                }

                return new ResumeStep(line, names.Node(value, action), Failback: false);
            case "move":
            {
                var args = Arguments(path, YamlNodes.Mapping(path, value, "move"), action, ["group", "to"]);
                return new MoveStep(line, names.Group(Need(path, value, args, "group", action)), args.TryGetValue("to", out var to) ? names.Node(to, "to") : null);
            }

            case "fail":
                return new FailStep(line, names.Resource(value));
            case "set":
            {
                var set = YamlNodes.Mapping(path, value, "set");
                var (kind, name) = Subject(path, set, action, names, allowNode: true);
                var settings = YamlNodes.Entries(path, set, action, null)
                    .Where(e => e.Key is not ("group" or "resource" or "node"))
                    .ToDictionary(e => e.Key, e => YamlNodes.Text(path, e.Value, e.Key), StringComparer.Ordinal);
                return settings.Count == 0 ? throw YamlNodes.Error(path, set, "set needs at least one property to set") : new SetStep(line, kind, name, settings);
            }

            case "control":
            {
                var control = YamlNodes.Mapping(path, value, "control");
                var args = Arguments(path, control, action, ["resource", "code", "arguments"]);
                var arguments = args.TryGetValue("arguments", out var a)
                    ? YamlNodes.Entries(path, YamlNodes.Mapping(path, a, "arguments"), "arguments", null)
                        .ToDictionary(e => e.Key, e => YamlNodes.Text(path, e.Value, e.Key), StringComparer.Ordinal)
                    : new Dictionary<string, string>();
                return new ControlStep(line, names.Resource(Need(path, value, args, "resource", action)),
                    YamlNodes.Text(path, Need(path, value, args, "code", action), "code"), arguments);
            }

            case "online":
            case "offline":
            {
                var (kind, name) = Subject(path, YamlNodes.Mapping(path, value, action), action, names, allowNode: false);
                return new PersistentStateStep(line, kind, name, action == "online");
            }

            case "wait":
                return new WaitStep(line, Duration(path, value, action, TimeSpan.Zero));
            case "exec":
            {
                var args = Arguments(path, YamlNodes.Mapping(path, value, "exec"), action, ["name", "command"]);
                return new ExecStep(line, names.AddExec(Need(path, value, args, "name", action)), YamlNodes.Text(path, Need(path, value, args, "command", action), "command"));
            }

            default:
                var predicates = value is YamlSequenceNode many
                    ? many.Children.Select(p => ParsePredicate(path, p, names, invariant: false)).ToList()
                    : [ParsePredicate(path, value, names, invariant: false)];
                return new ExpectStep(line, predicates, within is null ? DefaultWithin : Duration(path, within, "within", TimeSpan.FromMilliseconds(1)));
        }
    }

    private static ProcessTarget ParseTarget(string path, YamlNode value, string action, Names names)
    {
        var mapping = YamlNodes.Mapping(path, value, $"what to {action} ({{ node: n1 }}, {{ rhs: RESOURCE }}, {{ application: RESOURCE }} or {{ exec: NAME }})");
        var args = Arguments(path, mapping, action, ["node", "rhs", "application", "exec"]);
        var node = args.TryGetValue("node", out var n) ? names.Node(n, "node") : null;
        var kinds = args.Keys.Where(k => k != "node").ToList();
        return kinds switch
        {
            [] when node is not null => new ProcessTarget(ProcessKind.Node, node, null),
            ["rhs"] => new ProcessTarget(ProcessKind.Rhs, names.Resource(args["rhs"]), node),
            ["application"] => new ProcessTarget(ProcessKind.Application, names.Resource(args["application"]), node),
            ["exec"] when node is null => new ProcessTarget(ProcessKind.Exec, names.Exec(args["exec"]), null),
            _ => throw YamlNodes.Error(path, mapping, $"{action} names one process: {{ node: n1 }}, {{ rhs: RESOURCE }}, {{ application: RESOURCE }} (each may add node:) or {{ exec: NAME }}"),
        };
    }

    private static Predicate ParsePredicate(string path, YamlNode node, Names names, bool invariant)
    {
        var mapping = YamlNodes.Mapping(path, node, invariant ? "an invariant" : "an expectation");
        var args = Arguments(path, mapping, invariant ? "an invariant" : "an expectation",
            ["group", "resource", "state", "node", "restarts", "event", "text", "doubleRun", "order"]);
        var (line, column) = ((int)mapping.Start.Line, (int)mapping.Start.Column);
        var at = args.TryGetValue("node", out var n) ? names.Node(n, "node") : null;
        if (args.TryGetValue("doubleRun", out var doubleRun))
        {
            return !invariant
                ? throw YamlNodes.Error(path, doubleRun, "doubleRun is an invariant: put it under never:")
                : args.Count != 1
                    ? throw YamlNodes.Error(path, mapping, "doubleRun stands alone ({ doubleRun: GROUP })")
                    : new DoubleRunPredicate(line, column, names.Group(doubleRun));
        }

        if (args.TryGetValue("order", out var order))
        {
            var resources = YamlNodes.Sequence(path, order, "order").Select(names.Resource).ToList();
            return resources.Count < 2
                ? throw YamlNodes.Error(path, order, "order lists two resources or more")
                : args.Keys.Except(["order", "state", "node"]).FirstOrDefault() is { } extra
                    ? throw YamlNodes.Error(path, mapping, $"an order expectation takes state and node, not {extra}")
                    : new OrderPredicate(line, column, resources,
                        State(path, args.TryGetValue("state", out var st) ? st : throw YamlNodes.Error(path, mapping, "order needs a state"), s_resourceStates, "resource"), at);
        }

        if (args.ContainsKey("event") || args.ContainsKey("text"))
        {
            if (args.ContainsKey("state") || args.ContainsKey("restarts"))
            {
                throw YamlNodes.Error(path, mapping, "an event expectation has no state or restarts (make them two expectations)");
            }

            return new EventPredicate(
                line, column,
                args.TryGetValue("event", out var id) ? Integer(path, id, "event", 1, 65535) : null,
                args.TryGetValue("text", out var text) ? YamlNodes.Text(path, text, "text") : null,
                args.TryGetValue("resource", out var r) ? names.Resource(r) : null,
                args.TryGetValue("group", out var g) ? names.Group(g) : null,
                at);
        }

        var state = args.TryGetValue("state", out var s)
            ? s
            : throw YamlNodes.Error(path, mapping, "an expectation names a state (group/resource with state:), an event (event:, text:) or, under never:, doubleRun:");
        var restarts = args.TryGetValue("restarts", out var k) ? Integer(path, k, "restarts", 0, 1000) : (int?)null;
        switch (args.ContainsKey("group"), args.ContainsKey("resource"))
        {
            case (true, false) when restarts is null:
                return new StatePredicate(line, column, SubjectKind.Group, names.Group(args["group"]), State(path, state, s_groupStates, "group"), at, null);
            case (false, true):
                return new StatePredicate(line, column, SubjectKind.Resource, names.Resource(args["resource"]), State(path, state, s_resourceStates, "resource"), at, restarts);
            case (true, false):
                throw YamlNodes.Error(path, mapping, "restarts belongs to a resource");
            default:
                throw YamlNodes.Error(path, mapping, "a state belongs to one group or one resource");
        }
    }

    private static string State(string path, YamlNode node, string[] known, string what)
    {
        var text = YamlNodes.Text(path, node, "state");
        return known.FirstOrDefault(k => string.Equals(k, text, StringComparison.OrdinalIgnoreCase))
            ?? throw YamlNodes.Error(path, node, $"'{text}' is not a {what} state (one of {string.Join(", ", known)})");
    }

    private static (SubjectKind Kind, string Name) Subject(string path, YamlMappingNode mapping, string action, Names names, bool allowNode)
    {
        string[] keys = allowNode ? ["group", "resource", "node"] : ["group", "resource"];
        var named = YamlNodes.Entries(path, mapping, action, null).Where(e => keys.Contains(e.Key)).ToList();
        return named switch
        {
            [("group", var g)] => (SubjectKind.Group, names.Group(g)),
            [("resource", var r)] => (SubjectKind.Resource, names.Resource(r)),
            [("node", var n)] => (SubjectKind.Node, names.Node(n, "node")),
            _ => throw YamlNodes.Error(path, mapping, $"{action} names one {string.Join(" or ", keys)}"),
        };
    }

    private static Dictionary<string, YamlNode> Arguments(string path, YamlMappingNode mapping, string what, string[] known) =>
        YamlNodes.Entries(path, mapping, what, known).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    private static YamlNode Need(string path, YamlNode at, Dictionary<string, YamlNode> args, string key, string what) =>
        args.TryGetValue(key, out var value) ? value : throw YamlNodes.Error(path, at, $"{what} needs {key}");

    private static int Integer(string path, YamlNode node, string what, int min, int max)
    {
        var text = YamlNodes.Text(path, node, what);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw YamlNodes.Error(path, node, $"{what} must be a whole number from {min} to {max}, not '{text}'");
    }

    private static bool Boolean(string path, YamlNode node, string what) =>
        YamlNodes.Text(path, node, what).ToLowerInvariant() switch
        {
            "true" or "yes" => true,
            "false" or "no" => false,
            var other => throw YamlNodes.Error(path, node, $"{what} must be true or false, not '{other}'"),
        };

    private static TimeSpan Duration(string path, YamlNode node, string what, TimeSpan min)
    {
        var text = YamlNodes.Text(path, node, what);
        return ScenarioDurations.TryParse(text) is { } duration && duration >= min && duration <= TimeSpan.FromHours(1)
            ? duration
            : throw YamlNodes.Error(path, node, $"{what} must be a duration from {ScenarioDurations.Format(min)} to 1 h (500ms, 2s, 1m), not '{text}'");
    }

    /// <summary>The names a scenario may use: its nodes, the groups and resources it applies, the processes it execs.</summary>
    private sealed class Names(string path, ScenarioCluster cluster, ApplyRequest apply)
    {
        private readonly HashSet<string> _execs = new(StringComparer.Ordinal);

        public string Node(YamlNode node, string what)
        {
            var name = YamlNodes.Text(path, node, what);
            return name.Length > 1 && name[0] == 'n' && int.TryParse(name[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i >= 1 && i <= cluster.Nodes
                ? name
                : throw YamlNodes.Error(path, node, $"there is no node '{name}': the scenario starts n1..n{cluster.Nodes}");
        }

        public string Group(YamlNode node)
        {
            var name = YamlNodes.Text(path, node, "group");
            return apply.Groups.Any(g => g.Name == name)
                ? name
                : throw YamlNodes.Error(path, node, $"the scenario applies no group '{name}' (it applies: {List(apply.Groups.Select(g => g.Name))})");
        }

        public string Resource(YamlNode node)
        {
            var name = YamlNodes.Text(path, node, "resource");
            return apply.Resources.Any(r => r.Name == name)
                ? name
                : throw YamlNodes.Error(path, node, $"the scenario applies no resource '{name}' (it applies: {List(apply.Resources.Select(r => r.Name))})");
        }

        public string AddExec(YamlNode node)
        {
            var name = YamlNodes.Text(path, node, "name");
            return _execs.Add(name) ? name : throw YamlNodes.Error(path, node, $"an exec step named '{name}' comes earlier: names are unique");
        }

        public string Exec(YamlNode node)
        {
            var name = YamlNodes.Text(path, node, "exec");
            return _execs.Contains(name) ? name : throw YamlNodes.Error(path, node, $"no exec step named '{name}' comes earlier");
        }

        private static string List(IEnumerable<string> names) => names.Any() ? string.Join(", ", names) : "none";
    }
}
