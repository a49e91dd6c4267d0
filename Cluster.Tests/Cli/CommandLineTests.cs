using System.Reflection;
using System.Text.Json;
using Cluster.Service.Bench;
using Cluster.Service.Cli;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

[TestFixture]
public sealed class CommandLineTests
{
    [Test]
    public async Task Help_lists_the_verbs()
    {
        var (exitCode, output, _) = await ClusterCli.RunAsync("--help");

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Does.Contain("node").And.Contain("bench"));
    }

    [Test]
    public void Every_verb_is_built_under_the_name_a_call_finds_it_by()
    {
        foreach (var (name, create) in ClusterCommandLine.Verbs)
        {
            Assert.That(create().Name, Is.EqualTo(name));
        }

        Assert.That(ClusterCommandLine.Create().Subcommands.Select(c => c.Name), Is.EqualTo(ClusterCommandLine.Verbs.Select(v => v.Name)));
    }

    [Test]
    public void A_call_that_names_a_verb_builds_only_that_verb_and_any_other_builds_them_all()
    {
        Assert.That(ClusterCommandLine.Create(["status", "--json"]).Subcommands.Select(c => c.Name), Is.EqualTo(new[] { "status" }));
        Assert.That(ClusterCommandLine.Create(["--dir", "x", "status"]).Subcommands, Has.Count.EqualTo(ClusterCommandLine.Verbs.Count));
        Assert.That(ClusterCommandLine.Create(["stauts"]).Subcommands, Has.Count.EqualTo(ClusterCommandLine.Verbs.Count));
        Assert.That(ClusterCommandLine.Create([]).Subcommands, Has.Count.EqualTo(ClusterCommandLine.Verbs.Count));
    }

    [Test]
    public async Task A_mistyped_verb_is_refused_with_the_verb_it_resembles()
    {
        var (exitCode, output, error) = await ClusterCli.RunAsync("stauts");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(error, Does.Contain("'stauts'"));
        Assert.That(output, Does.Contain("Did you mean").And.Contain("status"));
    }

    [Test]
    public async Task A_verb_option_before_the_verb_still_parses()
    {
        var directory = ClusterCli.NewClusterDirectory();
        var (exitCode, _, error) = await ClusterCli.RunAsync("--dir", directory, "status");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(error, Does.Contain($"No cluster in {directory}"), "status ran, with the directory given before it");
    }

    [TestCase("bad/name")]
    [TestCase("")]
    public async Task Node_run_rejects_a_bad_name_naming_it(string name)
    {
        var (exitCode, _, error) = await ClusterCli.RunAsync("node", "run", "--name", name, "--dir", ClusterCli.NewClusterDirectory());

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(error, Does.Contain($"'{name}'"));
    }

    [TestCase("--calls", "0")]
    [TestCase("--transport", "carrier-pigeon")]
    public async Task Bench_rpc_rejects_bad_arguments(string option, string value)
    {
        var (exitCode, _, error) = await ClusterCli.RunAsync("bench", "rpc", option, value);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(error, Does.Contain(value == "0" ? option : value));
    }

    [Test]
    public async Task Bench_trace_measures_tracing_off_and_on_and_a_followed_flood()
    {
        var (exitCode, output, error) = await ClusterCli.RunAsync("bench", "trace", "--calls", "40", "--flood-seconds", "1", "--dir", ClusterCli.NewClusterDirectory());

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output, Does.Contain("LooksAlive, tracing off").And.Contain("LooksAlive, tracing on").And.Contain("Ping: p50 on/off = "));
        Assert.That(output, Does.Match(@"flood: \d+ admin calls .* trace --follow received \d+ records .* dropped: no"));
    }

    [Test]
    public async Task Bench_scale_measures_an_idle_node_one_with_resources_a_failover_and_many_nodes()
    {
        var (exitCode, output, error) = await ClusterCli.RunAsync(
            "bench", "scale", "--resources", "0", "20", "--window-seconds", "1", "--failover-groups", "2", "--nodes", "2");

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output, Does.Contain("resources  online in"));
        Assert.That(output, Does.Match(@"\n\s+0\s+-\s+\d+\.\d ?%"), "the idle row");
        Assert.That(output, Does.Contain("wake-ups/s: node"));
        Assert.That(output, Does.Match(@"\n\s+0\s+-\s.* MiB\s+[1-9]\d*\s+[1-9]\d*\r?\n"), "the idle row's wake-ups a second, node and RHS: never none");
        Assert.That(output, Does.Match(@"\n\s+20\s+\d+\.\d s\s+\d+\.\d ?%\s+\d+\.\d ?%"), "20 resources, Online, with CPU shares");
        Assert.That(output, Does.Match(@"failover: 2 groups of 3 Online on n1 in \d+\.\d s; kill -9 n1 -> all Online on n2 in \d+\.\d\d s"));
        Assert.That(output, Does.Match(@"2 nodes on this machine: all Up in \d+\.\d s, one after another \(\d+ MiB RSS, nodes and RHS processes\); all stopped in \d+\.\d s"));
    }

    [Test]
    public async Task Bench_cli_times_each_call_from_exec_to_exit_against_real_nodes()
    {
        var (exitCode, output, error) = await ClusterCli.RunAsync(
            "bench", "cli", "--runs", "2", "--warmup", "0", "--nodes", "1", "--settle-seconds", "0", "--dir", ClusterCli.NewClusterDirectory());

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output, Does.Contain("1 nodes, a group on each"));
        foreach (var call in new[] { "--help", "group list", "node list --json", "status" })
        {
            Assert.That(output, Does.Match($@"\ncluster {call}\s+\d+ ms\s+\d+ ms\s+\d+ ms\s+\d+ ms"), call);
        }
    }

    [Test]
    public void A_release_build_runs_cluster_precompiled()
    {
        var configuration = typeof(CommandLineTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;
        if (configuration != "Release")
        {
            Assert.Ignore($"A {configuration} build is not precompiled.");
        }

        // `cluster` itself and the packages on its call path, as the tests (and users) start them.
        foreach (var assembly in new[] { "cluster.dll", "rhs.dll", "Cluster.Protocol.dll", "Grpc.Net.Client.dll", "Google.Protobuf.dll" })
        {
            Assert.That(PrecompiledImage.IsPrecompiled(Path.Combine(AppContext.BaseDirectory, assembly)), Is.True, assembly);
        }

        Assert.That(PrecompiledImage.IsPrecompiled(typeof(CommandLineTests).Assembly.Location), Is.False, "the test assembly: IL only");
    }

    [Test]
    public async Task Node_list_without_a_cluster_says_so()
    {
        var directory = ClusterCli.NewClusterDirectory();

        var (exitCode, _, error) = await ClusterCli.RunAsync("node", "list", "--dir", directory);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain("No cluster in").And.Contain(directory));
    }

    [Test]
    public async Task Running_node_is_listed_up_and_a_killed_one_down()
    {
        var directory = ClusterCli.NewClusterDirectory();
        using var node = ClusterCli.Start("node", "run", "--name", "n1", "--dir", directory);
        try
        {
            var nodes = await Eventually.Until(
                async () =>
                {
                    var (exitCode, output, _) = await ClusterCli.RunAsync("node", "list", "--json", "--dir", directory);
                    var list = exitCode == 0 ? JsonDocument.Parse(output).RootElement : default;
                    return exitCode == 0 && list.GetArrayLength() == 1 && list[0].GetProperty("state").GetString() == "Up"
                        ? list[0].Clone().ToString()
                        : null;
                },
                TimeSpan.FromSeconds(30),
                "node n1 to be listed Up");
            var n1 = JsonDocument.Parse(nodes).RootElement;
            Assert.That(n1.GetProperty("name").GetString(), Is.EqualTo("n1"));
            Assert.That(n1.GetProperty("pid").GetInt32(), Is.EqualTo(node.Id));
            Assert.That(n1.GetProperty("endpoint").GetString(), Does.StartWith("127.0.0.1:"));

            var second = await ClusterCli.RunAsync("node", "run", "--name", "n1", "--dir", directory);
            Assert.That(second.ExitCode, Is.EqualTo(1));
            Assert.That(second.Error, Does.Contain("Node n1 is already running"));

            node.Kill();
            await node.WaitForExitAsync();
            var (_, after, _) = await ClusterCli.RunAsync("node", "list", "--json", "--dir", directory);
            Assert.That(JsonDocument.Parse(after).RootElement[0].GetProperty("state").GetString(), Is.EqualTo("Down"));
        }
        finally
        {
            node.Kill();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void Admin_token_is_readable_by_its_owner_only()
    {
        var directory = ClusterCli.NewClusterDirectory();
        try
        {
            new Cluster.Service.ClusterDirectory(directory).EnsureToken();

            if (!OperatingSystem.IsWindows())
            {
                var mode = File.GetUnixFileMode(Path.Combine(directory, "admin.token"));
                Assert.That(mode, Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestCase("up", "--nodes", "0", "--nodes must be from 1 to 32, not 0")]
    [TestCase("up", "--nodes", "33", "--nodes must be from 1 to 32, not 33")]
    [TestCase("up", "--file", "/nonexistent/cluster.yaml", "/nonexistent/cluster.yaml")]
    [TestCase("up", "--store", "mysql://db", "'mysql://db' is not a cluster store: use sqlite, etcd (a local one) or (")]
    [TestCase("up", "--store", "etcd://127.0.0.1", "'127.0.0.1' in 'etcd://127.0.0.1' is not an etcd member's address")]
    [TestCase("up", "--etcd-members", "3", "--etcd-members needs --store etcd")]
    [TestCase("lab", "up", "--nodes", "17", "--nodes must be from 1 to 16, not 17")]
    [TestCase("lab", "up", "--etcd-members", "0", "--etcd-members must be from 1 to 7, not 0")]
    [TestCase("up", "--store", "etcd://127.0.0.1:1", "No member of the etcd at etcd://127.0.0.1:1 answers: etcd at http://127.0.0.1:1/ could not read the revision")]
    [TestCase("up", "--store", "etcd", "--etcd-members", "8", "--etcd-members must be from 1 to 7, not 8")]
    [TestCase("node", "run", "--name", "n1", "--store", "etcd", "'etcd' is not a cluster store: use sqlite (the embedded default) or etcd://HOST:PORT")]
    [TestCase("node", "run", "--name", "n1", "--store", "etcd://a:1,,b:2", "'' in 'etcd://a:1,,b:2' is not an etcd member's address")]
    [TestCase("node", "run", "--name", "n1", "--lease-ttl-ms", "10", "--lease-ttl-ms must be at least 300, not 10")]
    [TestCase("group", "move", "g", "--wait", "-1", "--wait must be at least 0, not -1")]
    [TestCase("bench", "chaos", "--faults", "0", "--faults must be at least 1, not 0")]
    [TestCase("bench", "failover", "--lease-ttl-ms", "100", "--lease-ttl-ms must be at least 300, not 100")]
    [TestCase("bench", "failover", "--store", "zookeeper", "zookeeper")]
    [TestCase("apply", "-f", "/tmp", "/tmp is a directory: name a YAML file")]
    [TestCase("apply", "-f", "/dev/zero", "/dev/zero is larger than 4 MiB")]
    [TestCase("up", "-f", "/dev/zero", "/dev/zero is larger than 4 MiB")]
    [TestCase("apply", "-f", "/dev/null", "/dev/null declares no groups: there is nothing to apply")]
    [TestCase("node", "run", "--name", "n1", "--health-timeout-ms", "5", "--health-timeout-ms must be at least 100, not 5")]
    [TestCase("node", "run", "--name", "n1", "--trace-capacity", "2000000", "--trace-capacity must be from 0 to 1000000, not 2000000")]
    [TestCase("bench", "trace", "--calls", "5", "--calls must be at least 20, not 5")]
    [TestCase("bench", "scale", "--resources", "9000", "--resources takes 0 to 5000, not 9000")]
    [TestCase("bench", "scale", "--looks-alive-ms", "1", "--looks-alive-ms must be from 10 to 3600000, not 1")]
    [TestCase("bench", "scale", "--nodes", "65", "--nodes must be from 0 to 64, not 65")]
    [TestCase("bench", "scale", "--failover-groups", "-1", "--failover-groups must be from 0 to 1000, not -1")]
    [TestCase("bench", "trace", "--flood-seconds", "0", "--flood-seconds must be from 1 to 600, not 0")]
    [TestCase("bench", "cli", "--runs", "0", "--runs must be from 1 to 10000, not 0")]
    [TestCase("bench", "cli", "--nodes", "17", "--nodes must be from 1 to 16, not 17")]
    [TestCase("bench", "cli", "--warmup", "-1", "--warmup must be from 0 to 1000, not -1")]
    [TestCase("trace", "--method", "[OW]*", "--method: The method pattern '[OW]*' may hold only")]
    [TestCase("trace", "--since", "yesterday", "--since 'yesterday' is neither a time")]
    [TestCase("trace", "--exclude", "Ping", "--exclude", "a;b", "--exclude: The method pattern 'a;b' may hold only")]
    [TestCase("trace", "--slow", "-1", "'-1' for option '--slow'")]
    [TestCase("trace", "No cluster in")]
    public async Task Cluster_verbs_reject_bad_arguments_naming_them(params string[] argsAndMessage)
    {
        var (exitCode, _, error) = await ClusterCli.RunAsync([.. argsAndMessage[..^1], "--dir", ClusterCli.NewClusterDirectory()]);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(error, Does.Contain(argsAndMessage[^1]));
    }

    [Test]
    public async Task Up_whose_node_exits_at_start_says_so_at_once_with_what_it_printed()
    {
        var directory = ClusterCli.NewClusterDirectory();
        Directory.CreateDirectory(Path.Combine(directory, "cluster.db")); // the store cannot be opened: the node exits
        try
        {
            var (exitCode, _, error) = await ClusterCli.RunAsync("up", "--nodes", "1", "--detach", "--dir", directory);

            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(error, Does.Contain("Node n1 exited with code").And.Contain("before it managed to come up").And.Contain("could not be opened"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Down_stops_a_node_that_someone_froze()
    {
        var directory = ClusterCli.NewClusterDirectory();
        var pid = 0;
        try
        {
            var up = await ClusterCli.RunAsync("up", "--nodes", "1", "--detach", "--dir", directory);
            Assert.That(up.ExitCode, Is.Zero, up.Error);
            pid = JsonDocument.Parse((await ClusterCli.RunAsync("node", "list", "--json", "--dir", directory)).Output).RootElement[0].GetProperty("pid").GetInt32();
            Signals.Freeze(pid);
            await Eventually.Until(() => ProcFs.IsStopped(pid), TimeSpan.FromSeconds(10), "the node stopped by SIGSTOP");

            var down = await ClusterCli.RunAsync("down", "--dir", directory);

            Assert.That(down.ExitCode, Is.Zero, down.Error);
            Assert.That(down.Output, Does.Contain("stopped n1"));
            Assert.That(Processes.IsRunning(pid), Is.False, "down returns once the node's process is gone");
        }
        finally
        {
            if (pid != 0)
            {
                Signals.TrySend(pid, Signals.Continue); // a failed test must not leave a frozen node behind
            }

            await ClusterCli.RunAsync("down", "--dir", directory);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Up_detached_starts_the_nodes_refuses_a_second_up_and_down_stops_them()
    {
        var directory = ClusterCli.NewClusterDirectory();
        try
        {
            var (exitCode, output, error) = await ClusterCli.RunAsync("up", "--nodes", "2", "--detach", "--dir", directory);
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(output, Does.Contain("2 nodes up in"));
            var nodes = JsonDocument.Parse((await ClusterCli.RunAsync("node", "list", "--json", "--dir", directory)).Output).RootElement;
            Assert.That(nodes.EnumerateArray().Select(n => (n.GetProperty("name").GetString(), n.GetProperty("state").GetString())),
                Is.EqualTo(new[] { ("n1", "Up"), ("n2", "Up") }));
            var pids = nodes.EnumerateArray().Select(n => n.GetProperty("pid").GetInt32()).ToList();

            var second = await ClusterCli.RunAsync("up", "--nodes", "2", "--dir", directory);
            Assert.That(second.ExitCode, Is.EqualTo(1));
            Assert.That(second.Error, Does.Contain("already (nodes n1, n2): use it, or `cluster down` first"));

            // An application that forks a child which would outlive it: `down` must end the whole tree.
            foreach (var args in new[]
            {
                new[] { "group", "create", "forks" },
                ["resource", "create", "forks-app", "--group", "forks", "--type", "GenericApplication", "--prop", "CommandLine=sh -c 'sleep 7302 & exec sleep 7301'"],
                ["group", "online", "forks"],
            })
            {
                var step = await ClusterCli.RunAsync([.. args, "--dir", directory]);
                Assert.That(step.ExitCode, Is.Zero, step.Error);
            }

            await Eventually.Until(() => Processes.WithCommandLine("sleep", "7302").Count == 1, TimeSpan.FromSeconds(10), "the forked child running");

            Assert.That((await ClusterCli.RunAsync("down", "--dir", directory)).Output, Does.Contain("stopped n1, n2"));
            Assert.That(pids.Where(Processes.IsRunning), Is.Empty);
            await Eventually.Until(() => Processes.WithCommandLine("sleep", "7301").Count + Processes.WithCommandLine("sleep", "7302").Count == 0,
                TimeSpan.FromSeconds(10), "the application's whole tree gone with `down`");

            var status = await ClusterCli.RunAsync("status", "--dir", directory);
            Assert.That(status.ExitCode, Is.EqualTo(1), "a stopped cluster is not an empty one");
            Assert.That(status.Error, Does.Contain($"No node of the cluster in {directory} is running."));
            Assert.That(status.Output, Is.Empty);
        }
        finally
        {
            await ClusterCli.RunAsync("down", "--dir", directory);
            Directory.Delete(directory, recursive: true);
        }
    }
}
