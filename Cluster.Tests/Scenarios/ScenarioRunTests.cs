using System.Collections.Concurrent;
using System.Text.Json;
using System.Xml.Linq;
using Cluster.Service.Bench;
using Cluster.Service.Cli;
using Cluster.Tests.Support;

namespace Cluster.Tests.Scenarios;

/// <summary>`cluster scenario run` on real nodes: failures that name what was seen, invariants, outputs, and Ctrl-C.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ScenarioRunTests
{
    private string _root = string.Empty;

    [SetUp]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("scenario-run-").FullName;

    [TearDown]
    public void RemoveRoot() => Directory.Delete(_root, recursive: true);

    [Test]
    public async Task An_expectation_that_cannot_hold_fails_the_run_names_what_was_seen_and_keeps_the_cluster_directory()
    {
        var file = Write("impossible.yaml", """
            cluster: { nodes: 1 }
            apply:
              groups:
                - name: web
                  persistentState: Online
                  resources:
                    - { name: web-app, type: GenericApplication, properties: { CommandLine: "sleep 9701" } }
            steps:
              - expect: { resource: web-app, state: Online, node: n1 }
                within: 30s
              - expect: { resource: web-app, state: Failed, node: n1 }
                within: 500ms
              - wait: 1s
            """);
        var junit = Path.Combine(_root, "r.xml");
        var report = Path.Combine(_root, "report");

        var (exitCode, output, error) = await ClusterCli.RunAsync(
            "scenario", "run", file, "--json", "--junit", junit, "--report", report, "--dir", _root);

        Assert.That(exitCode, Is.EqualTo(ScenarioCommands.Failed), error);
        Assert.That(error, Does.Contain("expect resource web-app Failed on n1 within 500 ms: NOT MET; saw Online on n1"));
        var result = JsonDocument.Parse(output).RootElement.EnumerateArray().Single();
        Assert.That(result.GetProperty("passed").GetBoolean(), Is.False);
        Assert.That(result.GetProperty("failure").GetString(), Does.StartWith("line 11: expected resource web-app Failed on n1 within 500 ms").And.EndWith("saw Online on n1"));
        var steps = result.GetProperty("steps").EnumerateArray().ToList();
        Assert.That(steps.Select(s => s.GetProperty("outcome").GetString()), Is.EqualTo(new[] { "passed", "failed", "skipped" }));
        Assert.That(steps[0].GetProperty("expectations")[0].GetProperty("afterMs").GetDouble(), Is.GreaterThanOrEqualTo(0));
        var kept = result.GetProperty("directory").GetString()!;
        Assert.That(File.Exists(Path.Combine(kept, "logs", "n1.log")), Is.True, "the failed run's cluster directory is kept, with its cluster log");
        Assert.That(XDocument.Load(junit).Descendants("testcase").Single().Element("failure")!.Attribute("message")!.Value, Does.Contain("saw Online on n1"));
        Assert.That(File.ReadAllText(Path.Combine(report, "index.html")), Does.Contain("FAILED").And.Contain("<svg"));
        Assert.That(Processes.WithCommandLine("sleep", "9701"), Is.Empty, "the run stopped what it started");
    }

    [Test]
    public async Task A_second_copy_of_an_application_started_by_hand_mid_run_breaks_the_double_run_invariant()
    {
        var file = Write("double.yaml", """
            cluster: { nodes: 1 }
            apply:
              groups:
                - name: web
                  persistentState: Online
                  resources:
                    - { name: web-app, type: GenericApplication, properties: { CommandLine: "sleep 9702" } }
            never:
              - doubleRun: web
            steps:
              - expect: { group: web, state: Online, node: n1 }
                within: 30s
              - exec: { name: second-copy, command: "sleep 9702" }
              - wait: 10s
            """);

        var (exitCode, output, _) = await ClusterCli.RunAsync("scenario", "run", file, "--dir", _root);

        Assert.That(exitCode, Is.EqualTo(ScenarioCommands.Failed), output);
        Assert.That(output, Does.Contain("FAILED double: invariant at line 9 broken: never group web's application running twice; the processes showed:"));
        Assert.That(output, Does.Match(@"web/web-app ran as processes \d+, \d+"));
        Assert.That(Processes.WithCommandLine("sleep", "9702"), Is.Empty, "the copy started by hand is killed with the run");
    }

    [Test]
    public async Task A_refused_file_changes_nothing_and_exits_2_naming_its_position()
    {
        var file = Write("bad.yaml", "cluster: { nodes: 1 }\nsteps:\n  - kill: { node: n4 }\n");

        var run = await ClusterCli.RunAsync("scenario", "run", file, "--dir", _root);
        var validate = await ClusterCli.RunAsync("scenario", "validate", file);

        Assert.That((run.ExitCode, validate.ExitCode), Is.EqualTo((ScenarioCommands.Refused, ScenarioCommands.Refused)));
        Assert.That(run.Error, Does.Contain("bad.yaml:3:19: there is no node 'n4'"));
        Assert.That(validate.Error, Does.Contain("bad.yaml:3:19: there is no node 'n4'"));
        Assert.That(Directory.EnumerateFileSystemEntries(_root).Where(e => e != file), Is.Empty, "no cluster was started");
    }

    [Test]
    public async Task Groups_the_cluster_refuses_fail_the_scenario_and_the_next_one_still_runs()
    {
        var refused = Write("refused.yaml", """
            cluster: { nodes: 1 }
            apply:
              groups:
                - name: odd
                  resources:
                    - { name: odd-thing, type: NoSuchType }
            steps:
              - wait: 1ms
            """);
        var fine = Write("fine.yaml", "cluster: { nodes: 1 }\nsteps:\n  - wait: 1ms\n");

        var (exitCode, output, _) = await ClusterCli.RunAsync("scenario", "run", refused, fine, "--dir", _root);

        Assert.That(exitCode, Is.EqualTo(ScenarioCommands.Failed), output);
        Assert.That(output, Does.Contain("FAILED refused: the cluster refused the scenario's groups:").And.Contain("NoSuchType"));
        Assert.That(output, Does.Contain("PASSED fine").And.Contain("1 of 2 scenarios passed"));
    }

    [Test]
    public async Task Ctrl_C_stops_the_run_and_leaves_no_process_behind()
    {
        var file = Write("long.yaml", """
            cluster: { nodes: 2 }
            apply:
              groups:
                - name: web
                  persistentState: Online
                  preferredOwners: [n1, n2]
                  resources:
                    - { name: web-app, type: GenericApplication, properties: { CommandLine: "sleep 9703" } }
            steps:
              - expect: { group: web, state: Online, node: n1 }
                within: 30s
              - exec: { name: bystander, command: "sleep 9704" }
              - freeze: { application: web-app }
              - wait: 10m
            """);
        var output = new ConcurrentQueue<string>();
        using var run = ClusterCli.StartInterruptible(output.Enqueue, "scenario", "run", file, "--dir", _root);
        try
        {
            await Eventually.Until(() => output.Any(l => l.Contains("freeze application web-app", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(90), "the run to reach its long wait", () => string.Join('\n', output));
            var nodes = ProcFs.ChildrenOf(run.Id).ToList();
            Assert.That(nodes, Is.Not.Empty);

            Signals.Interrupt(run.Id);
            await Eventually.Until(() => run.HasExited, TimeSpan.FromSeconds(60), "the run to end after Ctrl-C", () => string.Join('\n', output));

            Assert.That(run.ExitCode, Is.EqualTo(ScenarioCommands.Interrupted), string.Join('\n', output));
            Assert.That(nodes.Where(Processes.IsRunning), Is.Empty, "its nodes");
            Assert.That(Processes.WithCommandLine("sleep", "9703").Concat(Processes.WithCommandLine("sleep", "9704")), Is.Empty,
                "the frozen application and the process started by hand");
            Assert.That(AnyProcessMentioning(_root), Is.Empty, "nothing that runs in the scenario's directory");
        }
        finally
        {
            if (!run.HasExited)
            {
                run.Kill(entireProcessTree: true);
            }
        }
    }

    private static List<int> AnyProcessMentioning(string text) =>
        [.. Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0).Where(pid => pid > 0 && Mentions(pid, text))];

    private static bool Mentions(int pid, string text)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(text, StringComparison.Ordinal) && Processes.IsRunning(pid);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, text);
        return path;
    }
}
