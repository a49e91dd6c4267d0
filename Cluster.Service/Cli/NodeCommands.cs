using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Protocol.Admin.V1;
using Cluster.Protocol;
using Cluster.Protocol.Plugins;
using Cluster.Service.Membership;
using Cluster.Service.Admin;
using Cluster.Service.Node;
using Microsoft.Extensions.Logging;

namespace Cluster.Service.Cli;

/// <summary>`cluster node ...`: run a node, list the nodes.</summary>
internal static partial class NodeCommands
{
    public static Command Create()
    {
        var node = new Command("node", "Run and inspect cluster nodes");
        node.Subcommands.Add(CreateRun());
        node.Subcommands.Add(CreateList());
        node.Subcommands.Add(ShowCommand.Create("node", name => new Protocol.Admin.V1.ShowRequest { Node = name }));
        node.Subcommands.Add(CreatePause());
        node.Subcommands.Add(CreateResume());
        node.Subcommands.Add(CreateSet());
        node.Subcommands.Add(CreateKill());
        node.Subcommands.Add(CreateStop());
        node.Subcommands.Add(CreateStart());
        node.Subcommands.Add(CreateIsolate("isolate", true, "Cut a node off from the cluster store (for testing): it fences itself, its groups move"));
        node.Subcommands.Add(CreateIsolate("rejoin", false, "Give an isolated node its way to the cluster store back"));
        return node;
    }

    private static Command CreateRun()
    {
        var name = new Option<string>("--name") { Description = "The node's name (letters, digits, '-' and '_')", Required = true };
        name.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!NodeNames.IsValid(value))
            {
                result.AddError($"Node name '{value}' is not valid: use 1 to 63 letters, digits, '-' or '_'.");
            }
        });
        var deadlock = new Option<uint>("--deadlock-timeout-ms")
        {
            Description = "The node's DeadlockTimeout, for resources that set none (default 300000, as WSFC)",
            DefaultValueFactory = _ => 300_000,
        };
        deadlock.AtLeast(100u);
        var leaseTtl = new Option<uint>("--lease-ttl-ms")
        {
            Description = "The node's lease: how long after its last renewal a silent node is Down (default 1000)",
            DefaultValueFactory = _ => 1000,
        }.AtLeast(300u);
        var healthTimeout = new Option<uint>("--health-timeout-ms")
        {
            Description = "How long an RHS may take to answer its health ping before it is declared frozen and replaced (default 3000)",
            DefaultValueFactory = _ => 3000,
        }.AtLeast(100u);
        var traceCapacity = new Option<uint>("--trace-capacity")
        {
            Description = "How many recorded gRPC calls the node keeps for `cluster trace`, newest last (default 10000; 0: record none)",
            DefaultValueFactory = _ => Trace.TraceLog.DefaultCapacity,
        }.Between(0u, 1_000_000u);
        var exitWithParent = new Option<bool>("--exit-with-parent")
        {
            Description = "Stop when stdin closes, and die with the parent even while frozen: for a parent that starts nodes (cluster up, tests)",
        };
        var store = CommonOptions.StoreLocation(
            "The cluster store: sqlite (the file in the cluster directory) or etcd://HOST:PORT[,HOST:PORT...] (default: what `cluster up --store` recorded in the directory, else sqlite)");
        var run = new Command("run", "Run one node in the foreground until Ctrl-C") { name, deadlock, leaseTtl, healthTimeout, traceCapacity, store, exitWithParent };
        run.SetHandler(async (parseResult, cancellationToken) =>
        {
            ILogger? released = null;
            var attached = parseResult.GetValue(exitWithParent)
                ? Node.ParentLink.Watch(
                    int.TryParse(Environment.GetEnvironmentVariable(NodeLauncher.ParentPidVariable), System.Globalization.CultureInfo.InvariantCulture, out var parentPid)
                        ? parentPid : null,
                    () => { if (released is not null) { LogReleased(released); } })
                : CancellationToken.None;

            using var loggerFactory = LoggerFactory.Create(builder => builder
                .AddSimpleConsole(console =>
                {
                    console.SingleLine = true;
                    console.TimestampFormat = "HH:mm:ss.fff ";
                })
                .SetMinimumLevel(LogLevel.Information)
                // Kestrel's per-request lines drown the node's own, and grpc-dotnet logs every call that ends
                // with a status other than OK (a refused request, a cancelled watch) as if it were news.
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddFilter("Grpc", LogLevel.Warning));
            var nodeLogger = loggerFactory.CreateLogger("Node");
            using var hungUp = new CancellationTokenSource();
            using var hangUp = Node.HangUp.Handle(parseResult.GetValue(exitWithParent), hungUp, nodeLogger);
            var directory = CommonOptions.ResolveDirectory(parseResult);
            var host = new NodeHost(
                new NodeOptions
                {
                    Name = parseResult.GetValue(name)!,
                    Directory = directory,
                    Store = parseResult.GetValue(store) ?? directory.ReadStoreLocation(),
                    DeadlockTimeout = TimeSpan.FromMilliseconds(parseResult.GetValue(deadlock)),
                    HealthTimeout = TimeSpan.FromMilliseconds(parseResult.GetValue(healthTimeout)),
                    Membership = MembershipFor(TimeSpan.FromMilliseconds(parseResult.GetValue(leaseTtl))),
                    TraceCapacity = (int)parseResult.GetValue(traceCapacity),
                },
                loggerFactory);
            released = nodeLogger;
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attached, hungUp.Token);
            await host.RunAsync(stopping.Token).ConfigureAwait(false);
            return 0;
        });
        return run;
    }

    /// <summary>Renewal and fencing scale with the TTL: renew four times per TTL (three tries before the fence point), fence a quarter TTL before it can lapse.</summary>
    private static MembershipOptions MembershipFor(TimeSpan ttl) => new()
    {
        LeaseTtl = ttl,
        RenewInterval = ttl * 0.25,
        FenceMargin = ttl * 0.25,
    };

    private static Command CreateList()
    {
        var list = new Command("list", "List the nodes of the cluster: Up, Down or Paused, and the groups each owns") { CommonOptions.Json, NodeConnections.NodeOption };
        list.SetHandler(async (parseResult, cancellationToken) =>
        {
            var rows = await NodeConnections.ListNodesAsync(parseResult, cancellationToken).ConfigureAwait(false);
            var output = parseResult.InvocationConfiguration.Output;
            if (parseResult.GetValue(CommonOptions.Json))
            {
                await JsonOutput.WriteAsync(parseResult, new JsonArray([.. rows.Select(r => (JsonNode)ClusterJson.Node(r))])).ConfigureAwait(false);
                return 0;
            }

            await output.WriteLineAsync($"{"NAME",-12} {"STATE",-8} {"PID",8}  {"ENDPOINT",-22} GROUPS").ConfigureAwait(false);
            foreach (var node in rows)
            {
                await output.WriteLineAsync(
                    $"{node.Name,-12} {node.State,-8} {(node.Pid == 0 ? "" : node.Pid),8}  {node.Endpoint,-22} {string.Join(", ", node.Groups)}{(node.Coordinator ? "  (coordinator)" : "")}")
                    .ConfigureAwait(false);
            }

            return 0;
        });
        return list;
    }

    private static Command CreatePause()
    {
        var name = NameArgument();
        var drain = new Option<bool>("--drain") { Description = "Move its groups off first (to the next node each group's list allows)" };
        var pause = new Command("pause", "Pause a node: no group may move to it") { name, drain };
        pause.SetHandler((parseResult, cancellationToken) => DatabaseChange.SendAsync(
            parseResult, new PauseNodeRequest { Name = parseResult.GetValue(name)!, Drain = parseResult.GetValue(drain) }, cancellationToken));
        return pause;
    }

    private static Command CreateResume()
    {
        var name = NameArgument();
        var failback = new Option<bool>("--failback") { Description = "Move back the groups that `pause --drain` moved off it" };
        var resume = new Command("resume", "Resume a paused node") { name, failback };
        resume.SetHandler((parseResult, cancellationToken) => DatabaseChange.SendAsync(
            parseResult, new ResumeNodeRequest { Name = parseResult.GetValue(name)!, Failback = parseResult.GetValue(failback) }, cancellationToken));
        return resume;
    }

    private static Command CreateSet()
    {
        var name = NameArgument();
        var settings = DatabaseChange.SettingsArgument("NAME=VALUE: MaxGroups (how many groups placement may put on the node; 0: no limit)");
        var set = new Command("set", "Set properties of a node") { name, settings };
        set.SetHandler((parseResult, cancellationToken) =>
        {
            var request = new SetNodeRequest { Name = parseResult.GetValue(name)! };
            request.Settings.Add(PropertyArguments.Parse(parseResult.GetValue(settings) ?? []));
            return DatabaseChange.SendAsync(parseResult, request, cancellationToken);
        });
        return set;
    }

    private static Command CreateKill()
    {
        var name = NameArgument();
        var kill = new Command("kill", "Kill a node process for real (SIGKILL): its RHS processes and applications die with it") { name };
        kill.SetHandler(async (parseResult, cancellationToken) =>
        {
            var record = NodeConnections.Record(parseResult, parseResult.GetValue(name)!);
            using var process = NodeLauncher.OpenRunning(record);
            if (process is null || !process.Signal(Bench.Signals.KillSignal))
            {
                throw new ClusterUserException($"Node {record.Name} is not running (its last process was {record.Pid}).");
            }

            await parseResult.InvocationConfiguration.Output.WriteLineAsync($"killed node {record.Name} (pid {record.Pid})").ConfigureAwait(false);
            return 0;
        });
        return kill;
    }

    private static Command CreateStop()
    {
        var name = NameArgument();
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for its groups to move and for it to exit", DefaultValueFactory = _ => 60 }.AtLeast(1);
        var stop = new Command("stop", "Stop a node gracefully: its groups move to other nodes first, then it exits") { name, timeout };
        stop.SetHandler(async (parseResult, cancellationToken) =>
        {
            var node = parseResult.GetValue(name)!;
            var deadline = TimeSpan.FromSeconds(parseResult.GetValue(timeout));
            using var process = NodeLauncher.OpenRunning(NodeConnections.Record(parseResult, node));
            await DatabaseChange.SendAsync(parseResult, new PauseNodeRequest { Name = node, Drain = true }, cancellationToken).ConfigureAwait(false);
            await WaitForNodeAsync(parseResult, node, n => n.Groups.Count == 0, deadline, "to hand its groups over", cancellationToken).ConfigureAwait(false);
            if (process is not null)
            {
                NodeLauncher.Terminate(process);
            }

            await WaitForNodeAsync(parseResult, node, n => n.State == "Down", deadline, "to exit", cancellationToken).ConfigureAwait(false);
            // Down in the cluster comes before the process is gone; `node start` right after must find its name free.
            if (process is not null && !await process.WaitForExitAsync(deadline).ConfigureAwait(false))
            {
                throw new ClusterUserException($"Node {node} left the cluster, but its process {process.Pid} did not exit within {deadline.TotalSeconds:0} s.");
            }
            await parseResult.InvocationConfiguration.Output.WriteLineAsync($"stopped node {node}").ConfigureAwait(false);
            return 0;
        });
        return stop;
    }

    private static Command CreateStart()
    {
        var name = NameArgument();
        var start = new Command("start", "Start a stopped node again in the same cluster directory, in the background") { name };
        start.SetHandler(async (parseResult, cancellationToken) =>
        {
            var node = parseResult.GetValue(name)!;
            var directory = CommonOptions.ResolveDirectory(parseResult);
            if (directory.ReadNodeRecords().FirstOrDefault(r => r.Name == node) is { } record && NodeLauncher.IsNodeProcess(record.Pid, node))
            {
                throw new ClusterUserException($"Node {node} is running already (pid {record.Pid}).");
            }

            using var started = NodeLauncher.Start(directory, node);
            var pid = started.Id; // the shell execs the node: one PID
            try
            {
                await WaitForNodeAsync(parseResult, node, n => n.State != "Down" && n.Pid == pid, TimeSpan.FromSeconds(60), "to come up", cancellationToken, started)
                    .ConfigureAwait(false);
            }
            catch
            {
                started.StandardInput.Close(); // it did not come up in time, or the command was interrupted: it goes with the command
                throw;
            }

            if (!await NodeLauncher.ReleaseAsync(started).ConfigureAwait(false))
            {
                throw new ClusterUserException($"Node {node} did not take its release in time: it stops with this command (see {directory.LogsPath}/{node}.out).");
            }

            if ((await NodeConnections.ListNodesAsync(parseResult, cancellationToken).ConfigureAwait(false)).Single(n => n.Name == node).State == "Paused")
            {
                await DatabaseChange.SendAsync(parseResult, new ResumeNodeRequest { Name = node }, cancellationToken).ConfigureAwait(false); // it was stopped
            }

            await parseResult.InvocationConfiguration.Output.WriteLineAsync($"started node {node}").ConfigureAwait(false);
            return 0;
        });
        return start;
    }

    private static Command CreateIsolate(string verb, bool isolated, string description)
    {
        var name = NameArgument();
        var command = new Command(verb, description) { name };
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            var node = parseResult.GetValue(name)!;
            // In a lab the node has a host of its own: isolating it unplugs the host, a real partition.
            if (Lab.LabRecord.Read(CommonOptions.ResolveDirectory(parseResult)) is { } lab && lab.Host(node) is not null)
            {
                await Lab.NetworkLab.SetPortAsync(lab, node, isolated, cancellationToken).ConfigureAwait(false);
                await parseResult.InvocationConfiguration.Output.WriteLineAsync(
                    $"node {node}'s host {(isolated ? "cut off from" : "plugged back into")} the lab's network").ConfigureAwait(false);
                return 0;
            }

            var record = NodeConnections.Record(parseResult, node);
            using var client = AdminClient.Connect(record, CommonOptions.ResolveDirectory(parseResult).ReadToken());
            await client.IsolateNode(new IsolateNodeRequest { Isolated = isolated }, cancellationToken).ConfigureAwait(false);
            await parseResult.InvocationConfiguration.Output.WriteLineAsync($"node {record.Name} {(isolated ? "isolated from" : "rejoined")} the cluster store")
                .ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>Polls `node list` until the node matches; the deadline is an error naming what did not happen.</summary>
    public static async Task WaitForNodeAsync(
        ParseResult parseResult, string node, Func<ClusterNode, bool> condition, TimeSpan deadline, string what, CancellationToken cancellationToken,
        System.Diagnostics.Process? process = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (process is { HasExited: true })
            {
                // Its exit notification: no point waiting out the deadline for a node that is gone. Its last lines, not its stack.
                var output = Path.Combine(CommonOptions.ResolveDirectory(parseResult).LogsPath, node + ".out");
                var last = File.Exists(output) ? File.ReadLines(output).Where(l => l.Length > 0 && !char.IsWhiteSpace(l[0]) && !l.StartsWith("---", StringComparison.Ordinal)).TakeLast(3) : [];
                throw new ClusterUserException($"Node {node} exited with code {process.ExitCode} before it managed {what}: see {output}{string.Concat(last.Select(l => Environment.NewLine + "  " + l))}");
            }

            var nodes = await NodeConnections.ListNodesAsync(parseResult, cancellationToken).ConfigureAwait(false);
            if (nodes.FirstOrDefault(n => n.Name == node) is { } found && condition(found))
            {
                return;
            }

            if (clock.Elapsed > deadline)
            {
                throw new ClusterUserException($"Node {node} did not manage {what} within {deadline.TotalSeconds} s.");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The node" };

    [LoggerMessage(Level = LogLevel.Information, Message = "Released by the process that started it: the node runs on its own from now on")]
    private static partial void LogReleased(ILogger logger);
}
