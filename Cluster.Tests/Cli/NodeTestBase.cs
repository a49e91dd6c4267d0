using System.Diagnostics;
using System.Text.Json;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>
/// A fresh cluster directory and real node processes (n1, n2, ...; DeadlockTimeout 1 s) per test, driven
/// through the CLI. The nodes watch their stdin, so none outlives the test run. On the embedded store,
/// or (<paramref name="store"/> "etcd") on one real etcd per fixture, emptied before each test.
/// </summary>
public abstract class NodeTestBase(string store = "sqlite")
{
    private readonly Dictionary<string, Process> _nodes = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    private TestEtcd? _etcd;

    [OneTimeSetUp]
    public async Task StartStore()
    {
        if (store == "etcd")
        {
            _etcd = await TestEtcd.StartAsync();
        }
    }

    [OneTimeTearDown]
    public async Task StopStore()
    {
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
    }

    protected string Dir { get; private set; } = null!;

    /// <summary>The first node's process.</summary>
    protected Process Node => _nodes["n1"];

    /// <summary>How many nodes each test starts with.</summary>
    protected virtual int NodeCount => 1;

    [SetUp]
    public async Task CreateClusterAndStartNodes()
    {
        Dir = ClusterCli.NewClusterDirectory();
        if (_etcd is not null)
        {
            await _etcd.EmptyAsync(); // the last test's cluster is gone
            new Service.ClusterDirectory(Dir).WriteStoreLocation(_etcd.Location); // as `cluster up --store` does: for nodes that `node start` starts
        }

        for (var i = 1; i <= NodeCount; i++)
        {
            StartNodeProcess($"n{i}");
        }

        for (var i = 1; i <= NodeCount; i++)
        {
            await WaitUpAsync($"n{i}");
        }
    }

    /// <summary>
    /// Stops every node. When the test failed, first shows what each node printed and its cluster log,
    /// and keeps the cluster directory (its path is shown) for a look at what happened.
    /// </summary>
    [TearDown]
    public void StopNodes()
    {
        foreach (var node in _nodes.Values)
        {
            node.Kill(entireProcessTree: true);
            node.WaitForExit();
            node.Dispose();
        }

        _nodes.Clear();
        var failed = TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed;
        if (failed)
        {
            TestContext.Out.WriteLine($"The cluster directory is kept: {Dir}");
            TestContext.Out.WriteLine("What the nodes printed (last 200 lines):");
            TestContext.Out.WriteLine(string.Join('\n', _output.TakeLast(200)));
            foreach (var log in Directory.Exists(Path.Combine(Dir, "logs")) ? Directory.GetFiles(Path.Combine(Dir, "logs"), "*.log") : [])
            {
                TestContext.Out.WriteLine($"Cluster log {Path.GetFileName(log)} (last 100 lines):");
                TestContext.Out.WriteLine(string.Join('\n', File.ReadLines(log).TakeLast(100)));
            }
        }

        _output.Clear();
        if (!failed)
        {
            Directory.Delete(Dir, recursive: true);
        }
    }

    /// <summary>Environment variables a node starts with, besides ours (a fault to inject, say).</summary>
    protected virtual IReadOnlyDictionary<string, string> EnvironmentOf(string node) => new Dictionary<string, string>();

    /// <summary>Options a node runs with, besides ours (`--trace-capacity 0`, say).</summary>
    protected virtual IReadOnlyList<string> ArgumentsOf(string node) => [];

    /// <summary>What the nodes printed so far, each line prefixed with its node's name.</summary>
    protected IReadOnlyList<string> Output => [.. _output];

    protected Process NodeProcess(string name) => _nodes[name];

    protected async Task StartNodeAsync(string name = "n1")
    {
        StartNodeProcess(name);
        await WaitUpAsync(name);
    }

    /// <summary>Kills a node (SIGKILL, the node alone) and waits for it to be gone.</summary>
    protected async Task KillNodeAsync(string name = "n1")
    {
        var node = _nodes[name];
        node.Kill(entireProcessTree: false);
        await node.WaitForExitAsync();
        node.Dispose();
        _nodes.Remove(name);
    }

    /// <summary>The nodes' own output goes to a buffer, shown when a node does not come up.</summary>
    private void StartNodeProcess(string name) =>
        _nodes[name] = ClusterCli.Start(
            line => _output.Enqueue($"{name}: {line}"), EnvironmentOf(name),
            ["node", "run", "--name", name, "--dir", Dir, "--deadlock-timeout-ms", "1000", "--exit-with-parent", .. StoreArguments, .. ArgumentsOf(name)]);

    private string[] StoreArguments => _etcd is null ? [] : ["--store", _etcd.Location.ToString()];

    /// <summary>Until the membership lists this very process Up (after a kill, the old one's lease may still be alive for a moment).</summary>
    private async Task WaitUpAsync(string name)
    {
        try
        {
            await WaitListedUpAsync(name);
        }
        catch (AssertionException e)
        {
            Assert.Fail($"{e.Message}\nWhat the nodes printed last:\n{string.Join('\n', _output.TakeLast(60))}");
        }
    }

    private async Task WaitListedUpAsync(string name) =>
        await Eventually.Until(
            async () => (await ClusterCli.RunAsync("node", "list", "--json", "--dir", Dir)) is { ExitCode: 0 } list
                && JsonDocument.Parse(list.Output).RootElement.EnumerateArray().Any(n => n.GetProperty("name").GetString() == name
                    && n.GetProperty("state").GetString() == "Up" && n.GetProperty("pid").GetInt32() == _nodes[name].Id)
                ? "up" : null,
            TimeSpan.FromSeconds(30), $"node {name} up");

    /// <summary>A resource in a group of its own name, created and brought online; answers what `resource online` printed.</summary>
    protected async Task<string> HostAsync(string name, params string[] createArgs)
    {
        await Cli("group", "create", name);
        await Cli(["resource", "create", name, "--group", name, .. createArgs]);
        return await Cli("resource", "online", name);
    }

    protected async Task<JsonElement> ResourceAsync(string name) =>
        JsonDocument.Parse(await Cli("resource", "list", "--json")).RootElement.EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == name).Clone();

    protected Task WaitForResourceAsync(string name, string state) =>
        Eventually.Until(
            async () => (await ResourceAsync(name)).GetProperty("state").GetString() == state ? state : null,
            TimeSpan.FromSeconds(15), $"{name} {state}");

    /// <summary>Until the group is Online on that node, by the cluster's view; on time-out shows what the nodes printed.</summary>
    protected async Task WaitGroupOnlineAsync(string group, string node) =>
        await Eventually.Until(
            async () => JsonDocument.Parse(await Cli("group", "list", "--json")).RootElement.EnumerateArray()
                .Single(g => g.GetProperty("name").GetString() == group) is var g
                && g.GetProperty("state").GetString() == "Online" && g.GetProperty("node").GetString() == node ? "online" : null,
            TimeSpan.FromSeconds(30), $"group {group} online on {node}", () => string.Join('\n', Output.TakeLast(40)));

    /// <summary>
    /// Until exactly <paramref name="count"/> processes run with these words in their command line. A
    /// resource reports Online before its application's exec (through setpriv, unshare and sh) is done,
    /// so a count taken at that report can still see the shell.
    /// </summary>
    protected static Task WaitApplicationsAsync(int count, params string[] words) =>
        Eventually.Until(() => Processes.WithCommandLine(words).Count == count, TimeSpan.FromSeconds(10),
            $"{count} process(es) running `{string.Join(' ', words)}` (now {Processes.WithCommandLine(words).Count})");

    protected async Task<string> Cli(params string[] args)
    {
        var (exitCode, output, error) = await ClusterCli.RunAsync([.. args, "--dir", Dir]);
        Assert.That(exitCode, Is.Zero, $"cluster {string.Join(' ', args)}: {error}");
        return output;
    }

    /// <summary>Runs a verb expected to fail; answers its stderr.</summary>
    protected async Task<string> FailingCli(params string[] args)
    {
        var (exitCode, _, error) = await ClusterCli.RunAsync([.. args, "--dir", Dir]);
        Assert.That(exitCode, Is.Not.Zero, $"cluster {string.Join(' ', args)} should fail");
        return error;
    }
}
