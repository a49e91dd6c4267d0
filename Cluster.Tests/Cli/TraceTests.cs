using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>`cluster trace` against real nodes, RHS processes and applications.</summary>
public class TraceTests : NodeTestBase
{
    private static List<JsonElement> Records(string jsonLines) =>
        [.. jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    private static string Text(JsonElement record, string property) =>
        record.GetProperty(property).ValueKind == JsonValueKind.Null ? "" : record.GetProperty(property).GetString()!;

    private Task HostWebAsync() => HostAsync("web", "--type", "GenericApplication", "--prop", "CommandLine=sleep 7401");

    [Test]
    public async Task After_the_fact_it_shows_the_cli_call_to_the_node_and_the_node_s_online_call_to_the_rhs_with_the_resource()
    {
        await HostWebAsync();

        var records = Records(await Cli("trace", "--json"));

        var cliCall = records.Where(r => Text(r, "caller") == "cli" && Text(r, "callee") == "n1"
            && Text(r, "method") == "/cluster.admin.v1.ClusterAdmin/SetPersistentState").ToList();
        var online = records.Where(r => Text(r, "method") == "/cluster.rhs.v1.ResourceHost/Online").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(cliCall, Has.Count.EqualTo(1), "`resource online web` as the node received it");
            Assert.That(Text(cliCall[0], "resource"), Is.EqualTo("web"));
            Assert.That(cliCall[0].GetProperty("request").GetProperty("online").GetBoolean(), Is.True);
            Assert.That(online, Has.Count.EqualTo(1), "the node's Online call to the RHS");
            Assert.That((Text(online[0], "caller"), Text(online[0], "resource"), Text(online[0], "group"), Text(online[0], "status")),
                Is.EqualTo(("n1", "web", "web", "OK")));
            Assert.That(Text(online[0], "callee"), Does.Match(@"^n1/rhs-\d+ \(pid \d+, shared\)$"));
            Assert.That(online[0].GetProperty("request").GetProperty("resource").GetString(), Is.EqualTo("web"));
        });
    }

    [Test]
    public async Task Since_leaves_out_calls_made_before_it()
    {
        await HostWebAsync();
        var after = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture); // after web's Online began

        Assert.That(Records(await Cli("trace", "--json", "--method", "Online", "--since", "1h")), Has.Count.EqualTo(1));
        Assert.That(await Cli("trace", "--json", "--method", "Online", "--since", after), Is.Empty);
    }

    [Test]
    public async Task Filters_select_what_they_say()
    {
        await HostWebAsync();
        await HostAsync("db", "--type", "FaultInjection", "--prop", "LooksAlivePollInterval=100", "--prop", "IsAlivePollInterval=300");
        await Eventually.Until(
            async () => System.Text.RegularExpressions.Regex.Match(await Cli("resource", "control", "db", "Checks"), @"IsAlive=(\d+)") is { Success: true } m
                && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= 2 ? "checked" : null,
            TimeSpan.FromSeconds(15), "db's second IsAlive");

        var aboutWeb = Records(await Cli("trace", "--json", "--resource", "web"));
        var inDb = Records(await Cli("trace", "--json", "--group", "db"));
        var alive = Records(await Cli("trace", "--json", "--method", "*Alive"));
        var transitions = Records(await Cli("trace", "--json", "--method", "*line"));
        var slow = Records(await Cli("trace", "--json", "--slow", "100000"));
        Assert.Multiple(() =>
        {
            Assert.That(aboutWeb, Is.Not.Empty);
            Assert.That(aboutWeb.Select(r => Text(r, "resource")), Is.All.EqualTo("web"));
            Assert.That(inDb.Select(r => Text(r, "method")), Does.Contain("/cluster.rhs.v1.ResourceHost/Online"));
            Assert.That(inDb.Select(r => Text(r, "group")), Is.All.EqualTo("db"));
            Assert.That(alive, Is.Empty, "the RHS runs LooksAlive and IsAlive itself: no check crosses the process boundary");
            Assert.That(transitions.Select(r => Text(r, "method")).Distinct(), Is.EqualTo(new[] { "/cluster.rhs.v1.ResourceHost/Online" }));
            Assert.That(transitions.Select(r => Text(r, "resource")).Order(), Is.EqualTo(new[] { "db", "web" }));
            Assert.That(slow, Is.Empty, "no call took 100 s");
        });
    }

    [Test]
    public async Task A_killed_rhs_shows_as_a_failed_call_with_its_status_and_errors_selects_it()
    {
        await HostWebAsync();
        var killed = await Cli("monitor", "kill", "--resource", "web");
        var pid = killed.Split(' ')[3]; // "killed RHS process PID (monitor ...)"

        var failedJson = await Eventually.Until(
            async () => (await Cli("trace", "--json", "--errors")).Split('\n')
                .FirstOrDefault(line => line.Contains($"(pid {pid}, shared)", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(15), "a failed call to the killed RHS in the trace");
        var failed = JsonDocument.Parse(failedJson).RootElement;

        Assert.Multiple(() =>
        {
            Assert.That(Text(failed, "status"), Is.Not.EqualTo("OK"));
            Assert.That(Text(failed, "kind"), Is.EqualTo("call"));
        });
    }

    [Test]
    public async Task Neither_the_admin_token_nor_an_rhs_secret_appears_in_any_output()
    {
        await HostWebAsync();
        var token = File.ReadAllText(Path.Combine(Dir, "admin.token")).Trim();
        var rhsPid = JsonDocument.Parse(await Cli("monitor", "list", "--json")).RootElement.EnumerateArray().First().GetProperty("pid").GetInt32();
        var secret = File.ReadAllText($"/proc/{rhsPid}/environ").Split('\0')
            .Single(v => v.StartsWith("CLUSTER_RHS_SECRET=", StringComparison.Ordinal))["CLUSTER_RHS_SECRET=".Length..];
        Assert.That(secret, Has.Length.GreaterThan(16));

        var verbose = await Cli("trace", "-v");
        var json = await Cli("trace", "--json");
        Assert.Multiple(() =>
        {
            Assert.That(verbose, Does.Contain("authorization=<redacted>"), "the admin API's calls carry the token: masked");
            Assert.That(verbose + json, Does.Not.Contain(token));
            Assert.That(verbose + json, Does.Not.Contain(secret));
        });
    }

    [Test]
    public async Task Follow_prints_calls_as_they_happen_also_from_a_node_that_starts_later()
    {
        var lines = new ConcurrentQueue<string>();
        using var follow = ClusterCli.Start(lines.Enqueue, "trace", "--follow", "--json", "--dir", Dir);
        try
        {
            // An idle cluster makes no calls: ask until the subscription shows one.
            await Eventually.Until(async () =>
            {
                await Cli("status");
                return lines.IsEmpty ? null : "live";
            }, TimeSpan.FromSeconds(30), "the first followed record", () => string.Join('\n', lines));
            await HostWebAsync();
            await Eventually.Until(
                () => lines.Any(l => l.Contains("\"method\":\"/cluster.rhs.v1.ResourceHost/Online\"", StringComparison.Ordinal)
                    && l.Contains("\"resource\":\"web\"", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30), "web's Online while following", () => string.Join('\n', lines.TakeLast(20)));

            await StartNodeAsync("n2");
            await Eventually.Until(
                () => lines.Any(l => l.StartsWith('{') && l.Contains("\"node\":\"n2\"", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30), "a record from n2, started after the trace", () => string.Join('\n', lines.TakeLast(20)));
            Assert.That(lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("method").GetString()),
                Has.None.EqualTo("/cluster.admin.v1.ClusterAdmin/Trace"), "a trace does not record itself");
        }
        finally
        {
            follow.Kill();
            await follow.WaitForExitAsync();
        }

        // A subscriber that went away is a cancelled call, not an error: the nodes log nothing about it.
        await Cli("status"); // a round trip to each node after the cancellation
        Assert.That(Output.Where(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task A_killed_node_s_calls_are_read_from_its_trace_file_and_served_again_once_it_runs_again()
    {
        await HostWebAsync();
        await Eventually.Until(() => File.Exists(Path.Combine(Dir, "traces", "n1.trace")) && new FileInfo(Path.Combine(Dir, "traces", "n1.trace")).Length > 0,
            TimeSpan.FromSeconds(10), "n1 writing its trace file");
        await KillNodeAsync("n1");

        // The node record is left behind by the kill: the node does not answer, so its file speaks for it.
        var (exitCode, output, error) = await ClusterCli.RunAsync("trace", "--json", "--method", "Online", "--dir", Dir);
        Assert.That(exitCode, Is.Zero, error);
        Assert.That(error, Does.Contain("note: node n1 does not answer (down or frozen): showing what it wrote to"));
        Assert.That(Records(output).Select(r => Text(r, "resource")), Is.EqualTo(new[] { "web" }), "web's Online, recorded before the kill");

        await StartNodeAsync("n1");
        await WaitForResourceAsync("web", "Online");
        var again = Records(await Cli("trace", "--json", "--method", "Online", "--resource", "web"));
        Assert.That(again, Has.Count.EqualTo(2), "the Online before the kill, served by the node started again, and the one after it");
        Assert.That(again.Select(r => Text(r, "callee")).Distinct().Count(), Is.EqualTo(2), "two RHS processes, one per run of the node");
    }

    [Test]
    public async Task An_unknown_node_is_a_clear_error()
    {
        var error = await FailingCli("trace", "--node", "n9");
        Assert.That(error, Does.Contain("There is no node n9"));
    }
}
