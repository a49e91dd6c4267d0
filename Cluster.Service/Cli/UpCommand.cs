using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Cluster.Protocol;
using Cluster.Service.ClusterLog;
using Cluster.Service.Database;
using Cluster.Service.Store;
using Cluster.Service.Store.Etcd;

namespace Cluster.Service.Cli;

/// <summary>`cluster up` and `cluster down`: a local cluster of real node processes sharing one directory.</summary>
internal static class UpCommand
{
    private static readonly TimeSpan s_downPatience = TimeSpan.FromSeconds(30);

    public const int MaxNodes = 32;

    /// <summary>--store etcd: start a local etcd for the cluster.</summary>
    private const string LocalEtcd = "etcd";

    public static Command CreateUp()
    {
        // Each node is a .NET process with an RHS or two (~100 MiB); past a few dozen, one machine is the limit, not the cluster.
        var nodes = new Option<int>("--nodes") { Description = "How many nodes: n1, n2, ... (1 to 32)", DefaultValueFactory = _ => 3 }.Between(1, MaxNodes);
        var file = new Option<FileInfo[]>("--file", "-f") { Description = "YAML files to apply once the nodes are up (see samples/; repeatable)" };
        file.AcceptExistingOnly();
        var detach = new Option<bool>("--detach") { Description = "Return once every node is up, and leave them running (`cluster down` stops them)" };
        var store = new Option<string>("--store")
        {
            Description = "The cluster store: sqlite (embedded, the default), etcd (a local etcd started in the cluster directory, stopped with the cluster) "
                + "or etcd://HOST:PORT[,HOST:PORT...] (a running etcd)",
            DefaultValueFactory = _ => "sqlite",
        };
        store.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value != LocalEtcd)
            {
                try
                {
                    StoreLocation.Parse(value);
                }
                catch (FormatException e)
                {
                    result.AddError(e.Message.Replace("use sqlite (", "use sqlite, etcd (a local one) or (", StringComparison.Ordinal));
                }
            }
        });
        var etcdMembers = new Option<int>("--etcd-members")
        {
            Description = $"With --store etcd: how many etcd members to run (1 to {EtcdCluster.MaxMembers}; 3 survives the loss of one)",
            DefaultValueFactory = _ => 1,
        }.Between(1, EtcdCluster.MaxMembers);
        var up = new Command("up", "Start a local cluster and show its live status until Ctrl-C, then stop it") { nodes, file, detach, store, etcdMembers };
        up.Validators.Add(result =>
        {
            if (result.GetResult(etcdMembers) is { Implicit: false } && result.GetValue(store) != LocalEtcd)
            {
                result.AddError("--etcd-members needs --store etcd: it says how many members of a local etcd to start.");
            }
        });
        up.SetHandler(async (parseResult, interrupted) =>
        {
            // A hang-up (the terminal closed) stops the cluster as Ctrl-C does, rather than end `up` at once:
            // its attached nodes would then die by their parent-death signal instead of stopping their groups.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(interrupted);
            using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                stopping.Cancel();
            });
            var cancellationToken = stopping.Token;
            var directory = CommonOptions.ResolveDirectory(parseResult);
            var running = directory.ReadNodeRecords().Where(r => NodeLauncher.IsNodeProcess(r.Pid, r.Name)).Select(r => r.Name).ToList();
            if (running.Count > 0)
            {
                throw new ClusterUserException(
                    $"A cluster is running in {directory.Root} already (nodes {string.Join(", ", running)}): use it, or `cluster down` first.");
            }

            if (EtcdCluster.AnyRunning(directory.EtcdPath))
            {
                throw new ClusterUserException($"The etcd of a cluster in {directory.Root} is still running: `cluster down` first.");
            }

            // Every file is read and parsed before any node starts: a bad one changes nothing.
            var requests = new List<Protocol.Admin.V1.ApplyRequest>();
            foreach (var yaml in parseResult.GetValue(file) ?? [])
            {
                requests.Add(await ClusterFile.ReadAsync(yaml.FullName, cancellationToken).ConfigureAwait(false));
            }

            var output = parseResult.InvocationConfiguration.Output;
            directory.EnsureToken(); // before the nodes, so that waiting for them finds the cluster
            var names = Enumerable.Range(1, parseResult.GetValue(nodes)).Select(i => $"n{i}").ToList();
            var clock = Stopwatch.StartNew();
            var leaveRunning = false;
            var processes = new List<Process>();
            EtcdCluster? etcd = null;
            try
            {
                StoreLocation location;
                if (parseResult.GetValue(store) is LocalEtcd)
                {
                    etcd = await StartEtcdAsync(parseResult, directory, parseResult.GetValue(etcdMembers), detached: parseResult.GetValue(detach), cancellationToken)
                        .ConfigureAwait(false);
                    location = etcd.Location;
                }
                else
                {
                    location = StoreLocation.Parse(parseResult.GetValue(store)!);
                    if (location.IsEtcd)
                    {
                        await EtcdClusterStore.RequireAnswerAsync(location, cancellationToken).ConfigureAwait(false); // before any node starts against it
                    }
                }

                directory.WriteStoreLocation(location); // the nodes, and any started later in this directory, use it

                // Attached until the cluster is up and its files applied: an `up` killed before that takes its nodes with it.
                processes.AddRange(names.Select(name => NodeLauncher.Start(directory, name)));
                foreach (var (name, process) in names.Zip(processes))
                {
                    await NodeCommands.WaitForNodeAsync(parseResult, name, n => n.State == "Up" && n.Pid == process.Id, TimeSpan.FromSeconds(60), "to come up", cancellationToken, process)
                        .ConfigureAwait(false);
                }

                await output.WriteLineAsync(
                    $"{names.Count} nodes up in {clock.Elapsed.TotalSeconds:0.00} s ({directory.Root}{(location.IsEtcd ? $", store {location}" : "")})").ConfigureAwait(false);
                foreach (var request in requests)
                {
                    await DatabaseChange.SendAsync(parseResult, request, cancellationToken).ConfigureAwait(false);
                }

                if (parseResult.GetValue(detach))
                {
                    foreach (var (name, process) in names.Zip(processes))
                    {
                        if (!await NodeLauncher.ReleaseAsync(process).ConfigureAwait(false))
                        {
                            throw new ClusterUserException($"Node {name} did not take its release in time: the cluster is stopped (see {directory.LogsPath}/{name}.out).");
                        }
                    }

                    leaveRunning = true;
                    return 0;
                }

                await ShowLiveAsync(parseResult, directory, cancellationToken).ConfigureAwait(false);
                return 0;
            }
            finally
            {
                if (!leaveRunning)
                {
                    await StopAsync(directory, processes).ConfigureAwait(false);
                    if (etcd is not null)
                    {
                        await etcd.DisposeAsync().ConfigureAwait(false); // after the nodes: they leave through it
                    }
                }

                foreach (var process in processes)
                {
                    process.Dispose();
                }
            }
        });
        return up;
    }

    public static Command CreateDown()
    {
        var down = new Command("down", "Stop every node of the cluster in the directory (SIGTERM; each stops its groups)");
        down.SetHandler(async (parseResult, cancellationToken) =>
        {
            var directory = CommonOptions.ResolveDirectory(parseResult);
            var running = new List<(string Name, ProcessHandle Process)>();
            foreach (var record in directory.ReadNodeRecords())
            {
                if (NodeLauncher.OpenRunning(record) is { } process)
                {
                    running.Add((record.Name, process));
                }
            }

            try
            {
                foreach (var node in running)
                {
                    NodeLauncher.Terminate(node.Process);
                }

                // Each node's exit is its pidfd's notification; they stop side by side, so one deadline serves them all.
                var patience = Stopwatch.StartNew();
                var stuck = new List<string>();
                foreach (var node in running)
                {
                    if (!await node.Process.WaitForExitAsync(s_downPatience - patience.Elapsed).ConfigureAwait(false))
                    {
                        stuck.Add(node.Name);
                    }
                }

                if (stuck.Count > 0)
                {
                    throw new ClusterUserException($"Nodes did not stop within {s_downPatience.TotalSeconds:0} s: {string.Join(", ", stuck)}.");
                }
            }
            finally
            {
                running.ForEach(n => n.Process.Dispose());
            }

            var etcd = await EtcdCluster.StopRecordedAsync(directory.EtcdPath).ConfigureAwait(false); // after the nodes: they leave through it
            var stopped = running.Select(r => r.Name).Concat(etcd.Select(m => "etcd " + m)).ToList();
            await parseResult.InvocationConfiguration.Output.WriteLineAsync(
                stopped.Count == 0 ? $"no node is running in {directory.Root}" : $"stopped {string.Join(", ", stopped)}").ConfigureAwait(false);
            return 0;
        });
        return down;
    }

    /// <summary>A local etcd for the cluster, its data in the cluster directory: it runs as long as the nodes do.</summary>
    private static async Task<EtcdCluster> StartEtcdAsync(ParseResult parseResult, ClusterDirectory directory, int members, bool detached, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var etcd = await EtcdCluster.StartAsync(directory.EtcdPath, members, attached: !detached, cancellationToken).ConfigureAwait(false);
        await parseResult.InvocationConfiguration.Output.WriteLineAsync(
            $"etcd up in {clock.Elapsed.TotalSeconds:0.00} s: {string.Join(", ", etcd.Members)}").ConfigureAwait(false);
        return etcd;
    }

    /// <summary>Nodes, groups, resources, monitors, the latest events and calls, redrawn every second until Ctrl-C, fitted to the terminal.</summary>
    private static async Task ShowLiveAsync(ParseResult parseResult, ClusterDirectory directory, CancellationToken cancellationToken)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var command = SelfExecutable.CommandLine();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ShowFrameAsync().ConfigureAwait(false);
                await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or ClusterException)
            {
                return; // Ctrl-C or a hang-up, while a frame was drawn or awaited: the cluster stops
            }
        }

        async Task ShowFrameAsync()
        {
            var view = new LiveSnapshot(
                DateTimeOffset.Now,
                directory.Root,
                command,
                await NodeConnections.ListNodesAsync(parseResult, cancellationToken).ConfigureAwait(false),
                await NodeConnections.ListGroupsAsync(parseResult, cancellationToken).ConfigureAwait(false),
                await NodeConnections.ListResourcesAsync(parseResult, cancellationToken).ConfigureAwait(false),
                await NodeConnections.ListMonitorsAsync(parseResult, cancellationToken).ConfigureAwait(false),
                [.. new ClusterLogReader(directory.LogsPath).Read().OrderBy(e => e.Time).TakeLast(20)],
                await TraceCommand.LatestCallsAsync(parseResult, 5, cancellationToken).ConfigureAwait(false));
            await output.WriteAsync("\u001b[H\u001b[2J" + string.Join('\n', LiveView.Render(view, LiveView.TerminalSize())) + "\n").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Nodes still attached stop when their stdin closes; one already released (a failed --detach) on SIGTERM.
    /// Each stops its groups and leaves.
    /// </summary>
    private static async Task StopAsync(ClusterDirectory directory, List<Process> processes)
    {
        foreach (var process in processes)
        {
            process.StandardInput.Close();
        }

        foreach (var record in directory.ReadNodeRecords())
        {
            using var node = NodeLauncher.OpenRunning(record);
            if (node is not null)
            {
                NodeLauncher.Terminate(node);
            }
        }

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var process in processes)
        {
            try
            {
                await process.WaitForExitAsync(patience.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
