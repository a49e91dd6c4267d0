using System.Diagnostics;
using System.Text.Json;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>A real node process, driven through the CLI: monitors, resources, kills.</summary>
[TestFixture]
[NonParallelizable]
public sealed class NodeMonitorTests : NodeTestBase
{
    [Test]
    public async Task Monitor_list_kill_and_recovery_through_the_cli()
    {
        await HostAsync("app", "--type", "GenericApplication", "--prop", "CommandLine=sleep 600");
        await HostAsync("own", "--type", "FaultInjection", "--separate-monitor");

        var monitors = JsonDocument.Parse(await Cli("monitor", "list", "--json")).RootElement;
        Assert.That(monitors.GetArrayLength(), Is.EqualTo(2));
        var shared = monitors.EnumerateArray().Single(m => !m.GetProperty("dedicated").GetBoolean());
        Assert.That(shared.GetProperty("node").GetString(), Is.EqualTo("n1"));
        Assert.That(shared.GetProperty("resources").EnumerateArray().Select(r => r.GetString()), Is.EqualTo(new[] { "app" }));
        var oldPid = shared.GetProperty("pid").GetInt32();

        var killed = await Cli("monitor", "kill", "--resource", "app");
        Assert.That(killed, Does.Contain($"killed RHS process {oldPid}"));

        var recovered = await Eventually.Until(
            async () =>
            {
                var list = JsonDocument.Parse(await Cli("monitor", "list", "--json")).RootElement;
                var now = list.EnumerateArray().Single(m => !m.GetProperty("dedicated").GetBoolean());
                return now.GetProperty("pid").GetInt32() is var pid && pid != 0 && pid != oldPid ? now.Clone().ToString() : null;
            },
            TimeSpan.FromSeconds(15), "a replacement RHS");
        Assert.That(JsonDocument.Parse(recovered).RootElement.GetProperty("restarts").GetInt32(), Is.EqualTo(1));
        // The RCM brings app back by itself (a new application process); own, in its own RHS, never moved.
        await Eventually.Until(
            async () =>
            {
                var resources = JsonDocument.Parse(await Cli("resource", "list", "--json")).RootElement.EnumerateArray().ToList();
                var app = resources.Single(r => r.GetProperty("name").GetString() == "app");
                var own = resources.Single(r => r.GetProperty("name").GetString() == "own");
                return app.GetProperty("state").GetString() == "Online" && app.TryGetProperty("applicationPid", out _)
                    && own.GetProperty("state").GetString() == "Online" ? "recovered" : null;
            },
            TimeSpan.FromSeconds(15), "app online again");
    }

    [Test]
    public async Task Killing_theNode_leaves_no_rhs_and_no_application_behind()
    {
        await HostAsync("app", "--type", "GenericApplication", "--prop", "CommandLine=sleep 600");
        await HostAsync("own", "--type", "GenericApplication", "--prop", "CommandLine=sleep 600", "--separate-monitor");
        var resources = JsonDocument.Parse(await Cli("resource", "list", "--json")).RootElement;
        var monitors = JsonDocument.Parse(await Cli("monitor", "list", "--json")).RootElement;
        var ours = monitors.EnumerateArray().Select(m => m.GetProperty("pid").GetInt32())
            .Concat(await ApplicationPidsAsync())
            .ToList();
        Assert.That(ours, Has.Count.EqualTo(4), "two RHS and two applications");

        await KillNodeAsync(); // SIGKILL to the node alone: its children must notice by themselves

        await Eventually.Until(() => ours.All(pid => !Processes.IsRunning(pid)), TimeSpan.FromSeconds(2),
            "every RHS and application to exit");
    }

    [Test]
    public async Task Cluster_log_records_a_failure_and_the_restart_with_causes_and_event_ids()
    {
        await HostAsync("app", "--type", "GenericApplication", "--prop", "CommandLine=sleep 600");
        var pid = await Eventually.Until(
            async () => JsonDocument.Parse(await Cli("resource", "list", "--json")).RootElement[0]
                .TryGetProperty("applicationPid", out var p) ? p.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            TimeSpan.FromSeconds(10), "the application PID");

        Process.Start("kill", ["-9", pid]).WaitForExit();

        var entries = await Eventually.Until(
            async () =>
            {
                var lines = (await Cli("log", "--json")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(l => JsonDocument.Parse(l).RootElement).ToList();
                return lines.Any(e => e.GetProperty("component").GetString() == "RCM"
                    && e.GetProperty("text").GetString()!.StartsWith("restart 1 of 3", StringComparison.Ordinal)) ? lines : null;
            },
            TimeSpan.FromSeconds(15), "the restart in the cluster log");
        var failure = entries.First(e => e.TryGetProperty("eventId", out var id) && id.GetInt32() == 1069
            && e.GetProperty("component").GetString() == "RHS");
        Assert.That(failure.GetProperty("node").GetString(), Is.EqualTo("n1"));
        Assert.That(failure.GetProperty("resource").GetString(), Is.EqualTo("app"));
        Assert.That(failure.GetProperty("newState").GetString(), Is.EqualTo("Failed"));
        Assert.That(failure.GetProperty("text").GetString(), Does.Contain($"process {pid} exited"));
        Assert.That(await Cli("log"), Does.Contain("[RCM] n1: resource app: restart 1 of 3"));
    }

    [Test]
    public async Task Status_json_has_the_names_scripts_rely_on()
    {
        await HostAsync("app", "--type", "GenericApplication", "--prop", "CommandLine=sleep 600");
        await Eventually.Until(
            async () => JsonDocument.Parse(await Cli("resource", "list", "--json")).RootElement[0].TryGetProperty("applicationPid", out _) ? "pid" : null,
            TimeSpan.FromSeconds(10), "the application PID");

        var status = JsonDocument.Parse(await Cli("status", "--json")).RootElement;

        Assert.That(status.GetProperty("nodes")[0].GetProperty("state").GetString(), Is.EqualTo("Up"));
        var group = status.GetProperty("groups")[0];
        Assert.That(group.GetProperty("name").GetString(), Is.EqualTo("app"));
        Assert.That(group.GetProperty("state").GetString(), Is.EqualTo("Online"));
        Assert.That(group.GetProperty("node").GetString(), Is.EqualTo("n1"));
        Assert.That(group.GetProperty("preferredOwners").GetArrayLength(), Is.Zero);
        var resource = status.GetProperty("resources")[0];
        foreach (var name in new[] { "name", "group", "type", "state", "node", "monitor", "persistentState", "restartCount", "applicationPid" })
        {
            Assert.That(resource.TryGetProperty(name, out _), Is.True, name);
        }

        Assert.That(resource.GetProperty("persistentState").GetString(), Is.EqualTo("Online"));
        Assert.That(status.GetProperty("monitors").GetArrayLength(), Is.EqualTo(1));
        Assert.That(await Cli("status"), Does.Contain("GROUPS").And.Contain("app"));
    }

    [Test]
    public async Task Administrators_offline_is_left_alone_and_online_brings_it_back()
    {
        await HostAsync("fi", "--type", "FaultInjection");

        await Cli("resource", "offline", "fi");
        await WaitForResourceAsync("fi", "Offline");
        var resource = await ResourceAsync("fi");
        Assert.That(resource.GetProperty("persistentState").GetString(), Is.EqualTo("Offline"));

        await Cli("group", "online", "fi");
        await WaitForResourceAsync("fi", "Online");
    }

    [Test]
    public async Task Simulated_failure_applies_the_restart_policy()
    {
        await HostAsync("fi", "--type", "FaultInjection");
        await WaitForResourceAsync("fi", "Online");

        await Cli("resource", "fail", "fi");

        await Eventually.Until(
            async () => (await ResourceAsync("fi")) is var r && r.GetProperty("state").GetString() == "Online" && r.GetProperty("restartCount").GetInt32() == 1
                ? "restarted" : null,
            TimeSpan.FromSeconds(15), "the restart");
        Assert.That(await Cli("log"), Does.Contain("Test-ClusterResourceFailure"));
    }

    [Test]
    public async Task Failing_a_resource_that_is_not_online_is_refused()
    {
        await HostAsync("fi", "--type", "FaultInjection");
        await Cli("resource", "offline", "fi");
        await WaitForResourceAsync("fi", "Offline");

        var (exitCode, _, error) = await ClusterCli.RunAsync("resource", "fail", "fi", "--dir", Dir);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain("only an Online resource can fail"));
    }

    [Test]
    public async Task Control_codes_reach_the_dll_and_bad_ones_are_clear_errors()
    {
        await HostAsync("fi", "--type", "FaultInjection");

        Assert.That(await Cli("resource", "control", "fi", "Set", "OnlineDelayMs=5"), Does.Contain("OnlineDelayMs=5"));
        var bad = await ClusterCli.RunAsync("resource", "control", "fi", "Set", "OnlineDelayMs=soon", "--dir", Dir);
        Assert.That(bad.Error, Does.Contain("must be an integer, not 'soon'"));
        var unknown = await ClusterCli.RunAsync("resource", "control", "fi", "Explode", "--dir", Dir);
        Assert.That(unknown.Error, Does.Contain("not 'Explode'"));
        var malformed = await ClusterCli.RunAsync("resource", "control", "fi", "Set", "nonsense", "--dir", Dir);
        Assert.That(malformed.Error, Does.Contain("'nonsense' is not NAME=VALUE"));
    }

    [Test]
    public async Task Verbs_on_an_unknown_resource_or_group_name_it()
    {
        var resource = await ClusterCli.RunAsync("resource", "online", "ghost", "--dir", Dir);
        var group = await ClusterCli.RunAsync("group", "offline", "phantom", "--dir", Dir);

        Assert.That(resource.Error, Does.Contain("There is no resource 'ghost' (there are none)"));
        Assert.That(group.Error, Does.Contain("There is no group 'phantom' (there are none)"));
    }

    [Test]
    public async Task Built_in_types_are_registered_and_described_by_their_dll()
    {
        var types = JsonDocument.Parse(await Cli("resourcetype", "list", "--json")).RootElement.EnumerateArray().ToList();

        Assert.That(types.Select(t => t.GetProperty("name").GetString()), Is.EquivalentTo(new[] { "Disk", "FaultInjection", "GenericApplication", "IPAddress", "NetworkName" }));
        var generic = types.Single(t => t.GetProperty("name").GetString() == "GenericApplication");
        Assert.That(generic.GetProperty("dllPath").GetString(), Does.EndWith("Cluster.Resources.dll"));
        Assert.That(generic.GetProperty("entryPoints").EnumerateArray().Select(e => e.GetString()), Does.Contain("IsAlive").And.Contain("Terminate"));
        var commandLine = generic.GetProperty("properties").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "CommandLine");
        Assert.That(commandLine.GetProperty("required").GetBoolean(), Is.True);
    }

    [TestCase("/nonexistent/Nothing.dll", "FaultInjection", "Resource DLL '/nonexistent/Nothing.dll' does not exist")]
    [TestCase("BUILTIN", "NoSuchType", "has no resource type 'NoSuchType'")]
    [TestCase("BUILTIN", "bad/name", "'bad/name' is not a resource type name")]
    public async Task Registering_a_type_whose_dll_does_not_serve_it_is_refused_and_changes_nothing(string dll, string name, string message)
    {
        var path = dll == "BUILTIN" ? Path.Combine(AppContext.BaseDirectory, "Cluster.Resources.dll") : dll;
        var before = await Cli("resourcetype", "list", "--json");

        var (exitCode, _, error) = await ClusterCli.RunAsync("resourcetype", "register", name, "--dll", path, "--dir", Dir);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain(message));
        Assert.That(await Cli("resourcetype", "list", "--json"), Is.EqualTo(before));
    }

    [Test]
    public async Task Registered_type_survives_a_node_restart_and_resources_use_it()
    {
        var copy = Path.Combine(Dir, "dlls", "Cluster.Resources.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Cluster.Resources.dll"), copy);
        Assert.That(await Cli("resourcetype", "register", "FaultInjection", "--dll", copy), Does.Contain($"registered FaultInjection from {copy}"));

        await KillNodeAsync();
        await StartNodeAsync();

        var types = JsonDocument.Parse(await Cli("resourcetype", "list", "--json")).RootElement.EnumerateArray();
        Assert.That(types.Single(t => t.GetProperty("name").GetString() == "FaultInjection").GetProperty("dllPath").GetString(), Is.EqualTo(copy),
            "the node's start did not overwrite the registration");
        Assert.That(await HostAsync("fi", "--type", "FaultInjection"), Does.Contain("fi: Online"));
    }

    [Test]
    public async Task Monitor_kill_needs_exactly_one_target()
    {
        var (exitCode, _, error) = await ClusterCli.RunAsync("monitor", "kill", "--dir", Dir);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(error, Does.Contain("exactly one of --id and --resource"));
    }

    [Test]
    public async Task Monitor_kill_of_an_unknown_monitor_names_it()
    {
        var (exitCode, _, error) = await ClusterCli.RunAsync("monitor", "kill", "--id", "99", "--dir", Dir);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain("no monitor 99"));
    }

    [TestCase("--prop", "Nonsense", "'Nonsense' is not NAME=VALUE")]
    [TestCase("--prop", "OnlineDelayMs=soon", "must be an integer, not 'soon'")]
    [TestCase("--prop", "OnlineDelayMs=-1", "property OnlineDelayMs must be between 0 and")]
    [TestCase("--prop", "RestartAction=3", "Resource r1: RestartAction must be between 0 and 2, not 3")]
    [TestCase("--prop", "RestartDelay=soon", "Property RestartDelay must be a whole number from 0 to 4294967295, not 'soon'")]
    [TestCase("--prop", "RestartDelay=18446744073709551615", "Property RestartDelay must be a whole number from 0 to 4294967295, not '18446744073709551615'")]
    [TestCase("--prop", "DeadlockTimeout=1", "Resource r1: DeadlockTimeout must be between 10 and")]
    [TestCase("--type", "NoSuchType", "Resource r1 has type 'NoSuchType', which is not registered (registered: Disk, FaultInjection, GenericApplication, IPAddress, NetworkName)")]
    [TestCase("--group", "nogroup", "There is no group 'nogroup' (there are: g)")]
    [TestCase("--depends-on", "ghost", "Resource r1 depends on ghost, which is not in group g")]
    [TestCase("--depends-on", "r1", "Resource r1 depends on itself")]
    public async Task Resource_create_rejects_bad_input_and_changes_nothing(string option, string value, string message)
    {
        await Cli("group", "create", "g");
        // The coordinator places the new group a moment later: compare against the settled state.
        await Eventually.Until(async () => JsonDocument.Parse(await Cli("group", "list", "--json")).RootElement.EnumerateArray().Single()
            .TryGetProperty("node", out var node) && node.ValueKind == JsonValueKind.String ? "placed" : null,
            TimeSpan.FromSeconds(30), "group g placed on a node");
        var before = await Cli("status", "--json");
        var args = new Dictionary<string, string> { ["--group"] = "g", ["--type"] = "FaultInjection" };
        args[option] = value;

        var (exitCode, _, error) = await ClusterCli.RunAsync(
            ["resource", "create", "r1", .. args.SelectMany(a => new[] { a.Key, a.Value }), "--dir", Dir]);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(error, Does.Contain(message));
        Assert.That(await Cli("status", "--json"), Is.EqualTo(before));
    }

    private async Task<IEnumerable<int>> ApplicationPidsAsync() =>
        await Eventually.Until(
            async () =>
            {
                var list = JsonDocument.Parse(await Cli("resource", "list", "--json")).RootElement;
                var pids = list.EnumerateArray().Where(r => r.TryGetProperty("applicationPid", out _))
                    .Select(r => r.GetProperty("applicationPid").GetInt32()).ToList();
                return pids.Count == list.GetArrayLength() ? pids : null;
            },
            TimeSpan.FromSeconds(10), "application PIDs");

}
