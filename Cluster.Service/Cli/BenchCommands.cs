using System.CommandLine;
using Cluster.Service.Bench;

namespace Cluster.Service.Cli;

/// <summary>`cluster bench ...`: measurements on real processes.</summary>
internal static class BenchCommands
{
    private static readonly string[] s_transports = ["tcp", "unix"];

    public static Command Create()
    {
        var bench = new Command("bench", "Measure the cluster's machinery on this machine");
        bench.Subcommands.Add(CreateRpc());
        bench.Subcommands.Add(CreateRhs());
        bench.Subcommands.Add(CreateStore());
        bench.Subcommands.Add(CreateFailover());
        bench.Subcommands.Add(CreateChaos());
        bench.Subcommands.Add(CreateTrace());
        bench.Subcommands.Add(CreateScale());
        bench.Subcommands.Add(CreateCli());
        bench.Subcommands.Add(CreateServe());
        return bench;
    }

    private static Command CreateRpc()
    {
        var calls = new Option<int>("--calls") { Description = "Measured calls per transport", DefaultValueFactory = _ => 10_000 };
        var warmup = new Option<int>("--warmup") { Description = "Unmeasured calls first", DefaultValueFactory = _ => 2_000 };
        var payload = new Option<int>("--payload") { Description = "Payload bytes per message", DefaultValueFactory = _ => 32 };
        var transport = new Option<string>("--transport") { Description = "tcp, unix or all", DefaultValueFactory = _ => "all" };
        transport.AcceptOnlyFromAmong([.. s_transports, "all"]);
        calls.AtLeast(1);
        payload.AtLeast(1);
        warmup.AtLeast(0);
        var rpc = new Command("rpc", "Unary gRPC round trips between two processes (TCP loopback and Unix socket)")
        {
            calls, warmup, payload, transport,
        };
        rpc.SetHandler((parseResult, cancellationToken) =>
        {
            var chosen = parseResult.GetValue(transport) is "all" or null ? s_transports : [parseResult.GetValue(transport)!];
            return RpcBenchmark.RunAsync(
                chosen, parseResult.GetValue(calls), parseResult.GetValue(warmup), parseResult.GetValue(payload),
                parseResult.InvocationConfiguration.Output, cancellationToken);
        });
        return rpc;
    }

    private static Command CreateRhs()
    {
        var trials = new Option<int>("--trials") { Description = "Trials per measurement", DefaultValueFactory = _ => 20 };
        trials.AtLeast(1);
        var rhs = new Command("rhs", "Kill RHS and application processes for real; time detection and recovery; node memory")
        {
            trials,
        };
        rhs.SetHandler((parseResult, cancellationToken) =>
            RhsBenchmark.RunAsync(parseResult.GetValue(trials), parseResult.InvocationConfiguration.Output, cancellationToken));
        return rhs;
    }

    private static Command CreateScale()
    {
        var resources = new Option<int[]>("--resources") { Description = "How many resources on the node, one row each (repeatable; 0: idle)", DefaultValueFactory = _ => [0, 100, 500], AllowMultipleArgumentsPerToken = true };
        resources.Validators.Add(result =>
        {
            if ((result.GetValueOrDefault<int[]>() ?? []).FirstOrDefault(n => n is < 0 or > 5000) is var bad && bad != 0)
            {
                result.AddError($"--resources takes 0 to 5000, not {bad}");
            }
        });
        var looksAlive = new Option<int>("--looks-alive-ms") { Description = "LooksAlivePollInterval of every resource", DefaultValueFactory = _ => 1000 }.Between(10, 3_600_000);
        var isAlive = new Option<int>("--is-alive-ms") { Description = "IsAlivePollInterval of every resource", DefaultValueFactory = _ => 5000 }.Between(10, 3_600_000);
        var window = new Option<int>("--window-seconds") { Description = "How long CPU is measured once all are Online", DefaultValueFactory = _ => 30 }.Between(1, 3600);
        var warmup = new Option<int>("--warmup-seconds")
        {
            Description = "How long after all are Online the window starts (the runtime's tiered JIT works for a minute or more)", DefaultValueFactory = _ => 2,
        }.Between(0, 3600);
        var failoverGroups = new Option<int>("--failover-groups")
        {
            Description = "Groups of 3 resources on a node that is then killed: time until all are Online on the other (0: skip)", DefaultValueFactory = _ => 60,
        }.Between(0, 1000);
        var nodes = new Option<int>("--nodes") { Description = "Nodes of a cluster started and stopped on this machine (0: skip)", DefaultValueFactory = _ => 16 }.Between(0, 64);
        var scale = new Command("scale", "What N resources cost one node: time to Online, CPU of the node and its RHS processes at steady state, RSS; a node's failover; many nodes started and stopped")
        {
            resources, looksAlive, isAlive, warmup, window, failoverGroups, nodes,
        };
        scale.SetHandler((parseResult, cancellationToken) => ScaleBenchmark.RunAsync(
            parseResult.GetValue(resources)!, TimeSpan.FromMilliseconds(parseResult.GetValue(looksAlive)), TimeSpan.FromMilliseconds(parseResult.GetValue(isAlive)),
            TimeSpan.FromSeconds(parseResult.GetValue(warmup)), TimeSpan.FromSeconds(parseResult.GetValue(window)), parseResult.GetValue(failoverGroups), parseResult.GetValue(nodes),
            parseResult.InvocationConfiguration.Output, cancellationToken));
        return scale;
    }

    private static Command CreateTrace()
    {
        var calls = new Option<int>("--calls") { Description = "Measured node -> RHS calls per row", DefaultValueFactory = _ => 10_000 }.AtLeast(20);
        var flood = new Option<int>("--flood-seconds") { Description = "How long a node is flooded with admin calls while a trace follows it", DefaultValueFactory = _ => 5 }
            .Between(1, 600);
        var trace = new Command("trace", "What recording calls costs a node -> RHS call (tracing on and off), and `trace --follow` under a flood of calls")
        {
            calls, flood,
        };
        trace.SetHandler((parseResult, cancellationToken) => TraceBenchmark.RunAsync(
            parseResult.GetValue(calls), TimeSpan.FromSeconds(parseResult.GetValue(flood)), parseResult.InvocationConfiguration.Output, cancellationToken));
        return trace;
    }

    private static Command CreateStore()
    {
        var writes = new Option<int>("--writes") { Description = "Sequential puts", DefaultValueFactory = _ => 2_000 };
        writes.AtLeast(1);
        var printCommits = new Option<bool>("--print-commits") { Description = "Print each key once its put has committed", Hidden = true };
        var store = new Command("store", "Sequential puts to the embedded store in the cluster directory") { writes, printCommits };
        store.SetHandler((parseResult, cancellationToken) =>
        {
            var directory = CommonOptions.ResolveDirectory(parseResult);
            return StoreBenchmark.RunAsync(
                Path.Combine(directory.Root, "bench-store.db"), parseResult.GetValue(writes), parseResult.GetValue(printCommits),
                parseResult.InvocationConfiguration.Output, cancellationToken);
        });
        return store;
    }

    private static Command CreateFailover()
    {
        var trials = new Option<int>("--trials") { Description = "Trials per measurement", DefaultValueFactory = _ => 20 }.AtLeast(1);
        var nodes = new Option<int>("--nodes") { Description = "Nodes in the cluster", DefaultValueFactory = _ => 3 }.AtLeast(2);
        var stores = new Option<string[]>("--store")
        {
            Description = "The stores to measure on, one after the other: sqlite (embedded), etcd (three local members); repeatable",
            DefaultValueFactory = _ => [FailoverBenchmark.Sqlite],
            AllowMultipleArgumentsPerToken = true,
        };
        stores.AcceptOnlyFromAmong(FailoverBenchmark.Sqlite, FailoverBenchmark.Etcd);
        var leaseTtl = new Option<uint?>("--lease-ttl-ms") { Description = "The nodes' lease, as `node run --lease-ttl-ms` (default: the node's default)" };
        leaseTtl.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<uint?>() is < 300u and var tooShort)
            {
                result.AddError($"--lease-ttl-ms must be at least 300, not {tooShort}.");
            }
        });
        var failover = new Command("failover", "Kill owner nodes, cut them off and fail resources for real; time until the group is online on another node")
        {
            trials, nodes, stores, leaseTtl,
        };
        failover.SetHandler((parseResult, cancellationToken) => FailoverBenchmark.RunAsync(
            parseResult.GetValue(trials), parseResult.GetValue(nodes), [.. parseResult.GetValue(stores)!.Distinct()], parseResult.GetValue(leaseTtl),
            parseResult.InvocationConfiguration.Output, cancellationToken));
        return failover;
    }

    private static Command CreateChaos()
    {
        var faults = new Option<int>("--faults") { Description = "Faults to inject (recoveries are extra)", DefaultValueFactory = _ => 500 }.AtLeast(1);
        var seed = new Option<int?>("--seed") { Description = "Replays a run's choices of faults (default: a new seed, printed)" };
        var keep = new Option<bool>("--keep") { Description = "Keep the cluster directory (nodes' output and cluster log) after a passed run too" };
        var chaos = new Command("chaos", "Random faults (kill, isolate, freeze, RHS freeze and kill, resource failure) against 3 real nodes; the real processes must never run a group twice")
        {
            faults, seed, keep,
        };
        chaos.SetHandler(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var chosen = parseResult.GetValue(seed) ?? Random.Shared.Next();
            output.WriteLine($"seed {chosen} (replay with --seed {chosen})");
            var report = await ChaosCampaign.RunAsync(parseResult.GetValue(faults), chosen, output, cancellationToken, parseResult.GetValue(keep)).ConfigureAwait(false);
            report.WriteTo(output);
            return report.Passed ? 0 : 1;
        });
        return chaos;
    }

    private static Command CreateCli()
    {
        var runs = new Option<int>("--runs") { Description = "Measured runs of each call", DefaultValueFactory = _ => 20 }.Between(1, 10_000);
        var warmup = new Option<int>("--warmup") { Description = "Unmeasured runs of each call first (the page cache)", DefaultValueFactory = _ => 3 }.Between(0, 1_000);
        var nodes = new Option<int>("--nodes") { Description = "Nodes in the cluster the calls ask", DefaultValueFactory = _ => 3 }.Between(1, 16);
        var settle = new Option<int>("--settle-seconds")
        {
            Description = "How long the started nodes are left alone before the first call", DefaultValueFactory = _ => 30,
        }.Between(0, 3600);
        var cli = new Command("cli", "What a `cluster` call costs its caller, exec to exit: --help, group list, node list, status, against real nodes")
        {
            runs, warmup, nodes, settle,
        };
        cli.SetHandler((parseResult, cancellationToken) => CliBenchmark.RunAsync(
            parseResult.GetValue(nodes), parseResult.GetValue(runs), parseResult.GetValue(warmup), TimeSpan.FromSeconds(parseResult.GetValue(settle)),
            parseResult.InvocationConfiguration.Output, cancellationToken));
        return cli;
    }

    private static Command CreateServe()
    {
        var transport = new Option<string>("--transport") { DefaultValueFactory = _ => "tcp" };
        transport.AcceptOnlyFromAmong(s_transports);
        var serve = new Command("serve", "The peer process of `bench rpc` (started by it)") { transport };
        serve.Hidden = true;
        serve.SetHandler((parseResult, cancellationToken) => RpcBenchmark.ServeAsync(parseResult.GetValue(transport)!, cancellationToken));
        return serve;
    }
}
