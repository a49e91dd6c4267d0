using System.Diagnostics;
using System.Text.Json;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>A fresh cluster directory and one real node process (n1, DeadlockTimeout 1 s) per test, driven through the CLI.</summary>
public abstract class NodeTestBase
{
    protected string Dir { get; private set; } = null!;

    protected Process Node { get; private set; } = null!;

    [SetUp]
    public async Task CreateClusterAndStartNode()
    {
        Dir = ClusterCli.NewClusterDirectory();
        await StartNodeAsync();
    }

    [TearDown]
    public void StopNode()
    {
        Node.Kill(entireProcessTree: true);
        Node.WaitForExit();
        Node.Dispose();
        Directory.Delete(Dir, recursive: true);
    }

    protected async Task StartNodeAsync()
    {
        Node = ClusterCli.Start("node", "run", "--name", "n1", "--dir", Dir, "--deadlock-timeout-ms", "1000");
        await Eventually.Until(
            async () => (await ClusterCli.RunAsync("node", "list", "--json", "--dir", Dir)) is { ExitCode: 0 } list
                && list.Output.Contains("\"Up\"", StringComparison.Ordinal) ? "up" : null,
            TimeSpan.FromSeconds(30), "node n1 up");
    }

    /// <summary>Kills the node (SIGKILL, the node alone) and waits for it to be gone.</summary>
    protected async Task KillNodeAsync()
    {
        Node.Kill(entireProcessTree: false);
        await Node.WaitForExitAsync();
        Node.Dispose();
    }

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
