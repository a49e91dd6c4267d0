using System.CommandLine;
using System.Text.Json;
using Cluster.Service.Scenarios;

namespace Cluster.Service.Cli;

/// <summary>
/// `cluster scenario run|validate FILE...`: scripted failover scenarios (docs/scenarios.md). Exit codes:
/// 0 every scenario passed (or is valid), 1 a scenario failed, 2 a file was refused (nothing ran), 130 interrupted.
/// </summary>
internal static class ScenarioCommands
{
    public const int Failed = 1;
    public const int Refused = 2;
    public const int Interrupted = 130;

    public static Command Create()
    {
        var scenario = new Command("scenario", "Run scripted failover scenarios: faults, expectations with time bounds, invariants");
        scenario.Subcommands.Add(CreateRun());
        scenario.Subcommands.Add(CreateValidate());
        return scenario;
    }

    private static Argument<string[]> Files() => new("files") { Description = "Scenario files (YAML; see docs/scenarios.md and scenarios/)", Arity = ArgumentArity.OneOrMore };

    private static Command CreateRun()
    {
        var files = Files();
        var junit = new Option<string?>("--junit") { Description = "Also write JUnit XML here: a test case per scenario, step timings as properties" };
        var json = new Option<bool>("--json") { Description = "Print the whole record of every run as JSON (progress goes to stderr)" };
        var report = new Option<string?>("--report") { Description = "Write an HTML report here (a directory): a timeline per scenario" };
        var keep = new Option<bool>("--keep") { Description = "Keep the cluster directory of passing runs too (failing runs always keep theirs)" };
        var root = new Option<string?>("--dir") { Description = "Make each run's cluster directory here instead of the temporary directory" };
        var run = new Command("run", "Run scenarios, each on a cluster of its own; exit 1 when one fails") { files, junit, json, report, keep, root };
        run.SetHandler(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var scenarios = await ReadAllAsync(parseResult.GetValue(files)!, error, cancellationToken).ConfigureAwait(false);
            if (scenarios is null)
            {
                return Refused;
            }

            var asJson = parseResult.GetValue(json);
            var progress = asJson ? error : parseResult.InvocationConfiguration.Output;
            var runner = new ScenarioRunner(new ScenarioRunOptions { Keep = parseResult.GetValue(keep), Root = parseResult.GetValue(root) }, progress);
            var results = new List<ScenarioResult>();
            try
            {
                foreach (var scenario in scenarios)
                {
                    results.Add(await runner.RunAsync(scenario, cancellationToken).ConfigureAwait(false));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync("interrupted: every process the run started is stopped").ConfigureAwait(false);
                return Interrupted;
            }

            if (parseResult.GetValue(junit) is { } junitPath)
            {
                ScenarioJunit.Create(results).Save(junitPath);
            }

            if (parseResult.GetValue(report) is { } reportDirectory)
            {
                var page = ScenarioReport.Write(reportDirectory, results);
                await progress.WriteLineAsync($"report: {page}").ConfigureAwait(false);
            }

            if (asJson)
            {
                await parseResult.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(results, ScenarioJson.Default.IReadOnlyListScenarioResult))
                    .ConfigureAwait(false);
            }

            var failed = results.Count(r => !r.Passed);
            if (results.Count > 1)
            {
                await progress.WriteLineAsync($"{results.Count - failed} of {results.Count} scenarios passed").ConfigureAwait(false);
            }

            return failed == 0 ? 0 : Failed;
        });
        return run;
    }

    private static Command CreateValidate()
    {
        var files = Files();
        var validate = new Command("validate", "Check scenario files without running them") { files };
        validate.SetHandler(async (parseResult, cancellationToken) =>
        {
            var scenarios = await ReadAllAsync(parseResult.GetValue(files)!, parseResult.InvocationConfiguration.Error, cancellationToken).ConfigureAwait(false);
            if (scenarios is null)
            {
                return Refused;
            }

            foreach (var scenario in scenarios)
            {
                await parseResult.InvocationConfiguration.Output.WriteLineAsync(
                    $"{scenario.Path}: valid ({scenario.Name}: {scenario.Cluster.Nodes} nodes, {scenario.Apply.Groups.Count} groups, {scenario.Steps.Count} steps, {scenario.Never.Count} invariants)")
                    .ConfigureAwait(false);
            }

            return 0;
        });
        return validate;
    }

    /// <summary>Every file read and checked before anything runs; null (each error printed) when one is refused.</summary>
    private static async Task<List<Scenario>?> ReadAllAsync(string[] paths, TextWriter error, CancellationToken cancellationToken)
    {
        var scenarios = new List<Scenario>();
        var refused = false;
        foreach (var path in paths)
        {
            try
            {
                scenarios.Add(await ScenarioFile.ReadAsync(path, cancellationToken).ConfigureAwait(false));
            }
            catch (ClusterUserException e)
            {
                await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                refused = true;
            }
        }

        return refused ? null : scenarios;
    }
}
