using Cluster.Service;
using Cluster.Service.Scenarios;

namespace Cluster.Tests.Scenarios;

/// <summary>The scenario file: its shape, the names it may use, and errors that say where.</summary>
[TestFixture]
public sealed class ScenarioFileTests
{
    private const string Groups = """
        apply:
          groups:
            - name: web
              persistentState: Online
              resources:
                - { name: web-app, type: GenericApplication, properties: { CommandLine: "sleep 9001" } }
        """;

    [Test]
    public async Task Every_step_kind_and_predicate_is_read()
    {
        var scenario = await ScenarioFile.ParseAsync($"""
            name: all
            description: every kind
            cluster: {"{"} nodes: 3, deadlockTimeout: 1s, leaseTtl: 800ms, healthTimeout: 2000 {"}"}
            {Groups}
            never:
              - doubleRun: web
              - {"{"} group: web, state: Failed {"}"}
            steps:
              - expect: {"{"} group: web, state: online, node: n1 {"}"}
                within: 20s
              - kill: {"{"} node: n1 {"}"}
              - freeze: {"{"} rhs: web-app, node: n2 {"}"}
              - thaw: {"{"} application: web-app {"}"}
              - start: n1
              - isolate: n2
              - rejoin: n2
              - drain: n3
              - resume: {"{"} node: n3, failback: true {"}"}
              - move: {"{"} group: web, to: n2 {"}"}
              - fail: web-app
              - set: {"{"} resource: web-app, RestartThreshold: 2 {"}"}
              - control: {"{"} resource: web-app, code: Set, arguments: {"{"} HangIn: IsAlive {"}"} {"}"}
                refused: no control codes
              - offline: {"{"} group: web {"}"}
              - wait: 1.5s
              - exec: {"{"} name: copy, command: sleep 9001 {"}"}
              - kill: {"{"} exec: copy {"}"}
              - expect:
                  - {"{"} resource: web-app, state: OnlinePending, restarts: 2 {"}"}
                  - {"{"} event: 1230, text: deadlock, resource: web-app, node: n2 {"}"}
                  - {"{"} order: [web-app, web-app], state: Online {"}"}
            """, "all.yaml", CancellationToken.None);

        Assert.That(scenario.Name, Is.EqualTo("all"));
        Assert.That(scenario.Cluster.NodeArguments(), Is.EqualTo(new[] { "--deadlock-timeout-ms", "1000", "--lease-ttl-ms", "800", "--health-timeout-ms", "2000" }));
        Assert.That(scenario.Never, Has.Count.EqualTo(2));
        Assert.That(scenario.Steps.Select(s => s.Describe().Split(' ')[0]), Is.EqualTo(new[]
        {
            "expect", "kill", "freeze", "thaw", "start", "isolate", "rejoin", "drain", "resume", "move", "fail", "set", "control",
            "offline", "wait", "exec", "kill", "expect",
        }));
        var first = (ExpectStep)scenario.Steps[0];
        Assert.That(first.Within, Is.EqualTo(TimeSpan.FromSeconds(20)));
        Assert.That(((StatePredicate)first.Predicates[0]).State, Is.EqualTo("Online"), "states are matched in any case and stored as spelled by the cluster");
        Assert.That(scenario.Steps[12].Refused, Is.EqualTo("no control codes"));
        Assert.That(((ExpectStep)scenario.Steps[^1]).Within, Is.EqualTo(ScenarioFile.DefaultWithin));
        Assert.That(((StatePredicate)((ExpectStep)scenario.Steps[^1]).Predicates[0]).Restarts, Is.EqualTo(2));
    }

    [TestCase("cluster: { nodes: 1 }\nsteps: [ { wait: 1s } ]\nbogus: 1\n", "3:1: unknown key 'bogus' in the scenario")]
    [TestCase("steps: [ { wait: 1s } ]\n", "1:1: the scenario needs a cluster")]
    [TestCase("cluster: { nodes: 10 }\nsteps: [ { wait: 1s } ]\n", "1:19: nodes must be a whole number from 1 to 9, not '10'")]
    [TestCase("cluster: { nodes: 1, leaseTtl: soon }\nsteps: [ { wait: 1s } ]\n", "1:32: leaseTtl must be a duration")]
    [TestCase("cluster: { nodes: 1 }\nsteps: []\n", "2:8: the scenario needs at least one step")]
    [TestCase("cluster: { nodes: 1 }\nsteps:\n  - { wait: 1s, kill: { node: n1 } }\n", "3:5: a step has exactly one action")]
    [TestCase("cluster: { nodes: 2 }\nsteps:\n  - kill: { node: n3 }\n", "3:19: there is no node 'n3': the scenario starts n1..n2")]
    [TestCase("cluster: { nodes: 1 }\nsteps:\n  - kill: { application: nope }\n", "3:26: the scenario applies no resource 'nope'")]
    [TestCase("cluster: { nodes: 1 }\nsteps:\n  - expect: { group: web, state: Sleeping }\n", "state")]
    [TestCase("cluster: { nodes: 1 }\nsteps:\n  - expect: { doubleRun: web }\n", "doubleRun is an invariant: put it under never:")]
    [TestCase("cluster: { nodes: 1 }\nsteps:\n  - wait: 1s\n    within: 2s\n", "4:13: within belongs to an expect step")]
    [TestCase("cluster: { nodes: 1 }\nsteps:\n  - kill: { exec: copy }\n", "no exec step named 'copy' comes earlier")]
    [TestCase("cluster: { nodes: 1 }\nsteps:\n  - expect: { event: 1069, state: Online }\n", "an event expectation has no state")]
    [TestCase("cluster: { nodes: 1 }\nsteps:\n  - expect: { order: [web-app], state: Online }\n", "order lists two resources or more")]
    [TestCase("cluster: { nodes: 1 }\nsteps:\n  - wait: 1s\n    refused: no\n", "refused belongs to an action")]
    public void A_malformed_file_is_refused_with_its_position(string body, string expected)
    {
        var error = Assert.ThrowsAsync<ClusterUserException>(async () => await ScenarioFile.ParseAsync(body + Groups, "bad.yaml", CancellationToken.None));
        Assert.That(error!.Message, Does.StartWith("bad.yaml:"));
        Assert.That(error.Message, Does.Contain(expected));
    }

    [Test]
    public void A_file_that_is_not_yaml_is_refused_with_its_position()
    {
        var error = Assert.ThrowsAsync<ClusterUserException>(async () =>
            await ScenarioFile.ParseAsync("cluster: { nodes: 1 }\nsteps:\n  - kill: { node: n1\n", "bad.yaml", CancellationToken.None));
        Assert.That(error!.Message, Does.Match(@"^bad\.yaml:\d+:\d+: "));
    }

    [Test]
    public async Task Apply_may_name_cluster_files_relative_to_the_scenario()
    {
        var directory = Directory.CreateTempSubdirectory("scenario-file-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "web.yaml"), Groups.Replace("apply:\n", string.Empty, StringComparison.Ordinal).Replace("\n  ", "\n", StringComparison.Ordinal).TrimStart());
            var path = Path.Combine(directory.FullName, "s.yaml");
            File.WriteAllText(path, "cluster: { nodes: 1 }\napply: web.yaml\nsteps:\n  - fail: web-app\n");

            var scenario = await ScenarioFile.ReadAsync(path, CancellationToken.None);

            Assert.That(scenario.Apply.Resources.Single().Name, Is.EqualTo("web-app"));
            File.WriteAllText(path, "cluster: { nodes: 1 }\napply: [missing.yaml]\nsteps:\n  - wait: 1s\n");
            var error = Assert.ThrowsAsync<ClusterUserException>(async () => await ScenarioFile.ReadAsync(path, CancellationToken.None));
            Assert.That(error!.Message, Does.Contain("s.yaml:2:9: apply names missing.yaml, which does not exist"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
