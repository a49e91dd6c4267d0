using System.Diagnostics;
using System.Globalization;
using Cluster.Protocol.Admin.V1;
using Cluster.Service.Bench;

namespace Cluster.Service.Scenarios;

/// <summary>
/// Runs one scenario: starts its cluster in a fresh directory, follows every node's events, carries out
/// the steps, judges expectations and invariants from the events (and doubleRun from the processes) as
/// they happen, and stops everything it started, also when cancelled or failing. Each step is printed
/// with its time; expectations with how long after the last action they held.
/// </summary>
internal sealed class ScenarioRunner(ScenarioRunOptions options, TextWriter output)
{
    public async Task<ScenarioResult> RunAsync(Scenario scenario, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var root = Path.Combine(options.Root ?? Path.GetTempPath(), $"cluster-scenario-{Safe(scenario.Name)}-{Guid.NewGuid().ToString("N")[..8]}");
        await output.WriteLineAsync(
            $"scenario {scenario.Name} ({scenario.Path}): {scenario.Cluster.Nodes} node{(scenario.Cluster.Nodes == 1 ? string.Empty : "s")}, {scenario.Steps.Count} steps")
            .ConfigureAwait(false);

        var history = new ScenarioHistory();
        var steps = new List<StepResult>();
        var violations = new List<string>();
        string? failure = null;
        var zeroUs = UnixMicroseconds.From(started);
        var setupMs = 0.0;
        BenchCluster cluster;
        try
        {
            cluster = await BenchCluster.StartAsync(scenario.Cluster.Nodes, cancellationToken, scenario.Cluster.NodeArguments(), root).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or Protocol.ClusterException or ClusterUserException)
        {
            var why = $"the cluster did not start: {e.Message}";
            await output.WriteLineAsync($"FAILED {scenario.Name}: {why}\n  the cluster directory is kept: {root}").ConfigureAwait(false);
            return new ScenarioResult
            {
                Name = scenario.Name, Path = scenario.Path, Description = scenario.Description, Passed = false, Failure = why, Directory = root,
                Started = started, DurationMs = clock.Elapsed.TotalMilliseconds, SetupMs = clock.Elapsed.TotalMilliseconds, Nodes = [],
                Steps = [.. scenario.Steps.Select(s => Result(s, "skipped", 0, 0, null))], Violations = [], Events = [],
            };
        }

        using var watching = new CancellationTokenSource();
        var watchers = new List<Task>();
        try
        {
            foreach (var node in cluster.Nodes)
            {
                var watcher = new NodeEventWatcher(cluster, node, history);
                watchers.Add(Task.Run(() => watcher.RunAsync(watching.Token), CancellationToken.None));
                watchers.Add(watcher.WatchExitAsync(watching.Token));
            }

            if (scenario.Apply.Groups.Count > 0)
            {
                using var client = cluster.Client(cluster.Nodes.First());
                try
                {
                    await client.Change(scenario.Apply, cancellationToken).ConfigureAwait(false);
                }
                catch (Protocol.ClusterException e)
                {
                    failure = $"the cluster refused the scenario's groups: {e.Message}"; // its steps are skipped
                }
            }

            setupMs = clock.Elapsed.TotalMilliseconds;
            zeroUs = UnixMicroseconds.From(DateTimeOffset.UtcNow);
            await output.WriteLineAsync($"  {Ms(0)}  started {string.Join(", ", cluster.Nodes)} and applied {Count(scenario.Apply.Groups.Count, "group")} in {Ms(setupMs)}")
                .ConfigureAwait(false);

            await using var sampler = Sampler(scenario);
            await using var driver = new ScenarioDriver(cluster, history);
            var lastActionUs = zeroUs;
            foreach (var step in scenario.Steps)
            {
                if (failure is not null)
                {
                    steps.Add(Result(step, "skipped", 0, 0, null));
                    continue;
                }

                var stepUs = UnixMicroseconds.From(DateTimeOffset.UtcNow);
                var at = (stepUs - zeroUs) / 1000.0;
                if (step is ExpectStep expect)
                {
                    var (results, violation) = await ExpectAsync(expect, lastActionUs, history, scenario, sampler, zeroUs, cancellationToken).ConfigureAwait(false);
                    var duration = (UnixMicroseconds.From(DateTimeOffset.UtcNow) - stepUs) / 1000.0;
                    var missed = results.FirstOrDefault(r => !r.Met);
                    failure = violation ?? (missed is null ? null
                        : $"line {step.Line}: expected {missed.Description} within {ScenarioDurations.Format(expect.Within)} of the last action; saw {missed.SeenInstead}");
                    steps.Add(Result(step, failure is null ? "passed" : "failed", at, duration, violation) with { Expectations = results });
                    await PrintExpectationAsync(at, expect, results).ConfigureAwait(false);
                }
                else
                {
                    string? detail = null;
                    if (step is WaitStep wait)
                    {
                        lastActionUs = stepUs;
                        failure = await WatchedWaitAsync(wait.Duration, scenario, history, sampler, zeroUs, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        try
                        {
                            detail = await driver.RunAsync(step, cancellationToken).ConfigureAwait(false);
                            lastActionUs = UnixMicroseconds.From(driver.ActedAt);
                            if (step.Refused is { } expected)
                            {
                                failure = $"line {step.Line}: {step.Describe()} was expected to be refused ('{expected}'), and the cluster did it";
                            }
                        }
                        catch (ScenarioStepException e)
                        {
                            detail = e.Message;
                            if (step.Refused is not { } expected || !e.Message.Contains(expected, StringComparison.OrdinalIgnoreCase))
                            {
                                failure = $"line {step.Line}: {step.Describe()} failed: {e.Message}";
                            }
                        }
                    }

                    var duration = (UnixMicroseconds.From(DateTimeOffset.UtcNow) - stepUs) / 1000.0;
                    steps.Add(Result(step, failure is null ? "passed" : "failed", at, duration, detail));
                    if (step is StartNodeStep start)
                    {
                        watchers.Add(new NodeEventWatcher(cluster, start.Node, history).WatchExitAsync(watching.Token));
                    }

                    await output.WriteLineAsync($"  {Ms(at)}  {step.Describe()}{(detail is null ? string.Empty : $" ({detail})")}  {(failure is null ? "done" : "FAILED")} in {Ms(duration)}")
                        .ConfigureAwait(false);
                }

                failure ??= Violation(scenario, history.Snapshot(), sampler, zeroUs);
            }

            if (failure is null)
            {
                // Events stamped before the last step ended may still be on their way: judge the invariants on them too.
                await Task.Delay(options.Straggle, cancellationToken).ConfigureAwait(false);
                failure = Violation(scenario, history.Snapshot(), sampler, zeroUs);
            }

            if (failure is not null && failure.StartsWith("invariant", StringComparison.Ordinal))
            {
                violations.Add(failure);
            }
        }
        finally
        {
            cluster.KeepDirectory = failure is not null || options.Keep;
            await watching.CancelAsync().ConfigureAwait(false);
            await cluster.DisposeAsync().ConfigureAwait(false);
            await Task.WhenAll(watchers).ConfigureAwait(false);
        }

        var result = new ScenarioResult
        {
            Name = scenario.Name,
            Path = scenario.Path,
            Description = scenario.Description,
            Passed = failure is null,
            Failure = failure,
            Directory = failure is not null || options.Keep ? root : null,
            Started = started,
            DurationMs = clock.Elapsed.TotalMilliseconds,
            SetupMs = setupMs,
            Nodes = [.. cluster.Nodes],
            Steps = steps,
            Violations = violations,
            Events = [.. history.Snapshot().Select(e => Record(e, zeroUs))],
        };
        await output.WriteLineAsync(result.Passed
            ? $"PASSED {scenario.Name} in {Ms(result.DurationMs)}"
            : $"FAILED {scenario.Name}: {failure}\n  the cluster directory is kept: {root}").ConfigureAwait(false);
        return result;
    }

    private async Task<(List<ExpectationResult> Results, string? Violation)> ExpectAsync(
        ExpectStep step, long fromUs, ScenarioHistory history, Scenario scenario, DoubleRunSampler? sampler, long zeroUs, CancellationToken cancellationToken)
    {
        var deadlineUs = fromUs + (long)step.Within.TotalMicroseconds;
        while (true)
        {
            var changed = history.Changed;
            var events = history.Snapshot();
            var evidence = step.Predicates.Select(p => ScenarioEvaluation.FirstHolding(events, p, fromUs, deadlineUs)).ToList();
            var nowUs = UnixMicroseconds.From(DateTimeOffset.UtcNow);
            var over = nowUs >= deadlineUs + (long)options.Straggle.TotalMicroseconds;
            if (evidence.All(e => e is not null) || over)
            {
                return ([.. step.Predicates.Zip(evidence, (p, e) => e is { } met
                    ? new ExpectationResult
                    {
                        Description = p.Describe(),
                        Met = true,
                        AfterMs = (met.TimeUnixUs - fromUs) / 1000.0,
                        Evidence = met.By is null ? "already so when the last action began" : Line(met.By),
                    }
                    : new ExpectationResult
                    {
                        Description = p.Describe(),
                        Met = false,
                        SeenInstead = ScenarioEvaluation.SeenInstead(events, p, fromUs, deadlineUs),
                    })], null);
            }

            if (Violation(scenario, events, sampler, zeroUs) is { } violation)
            {
                return ([.. step.Predicates.Select(p => new ExpectationResult { Description = p.Describe(), Met = false, SeenInstead = "the run ended on a broken invariant" })], violation);
            }

            var wait = TimeSpan.FromMicroseconds(Math.Max(1, deadlineUs + (long)options.Straggle.TotalMicroseconds - nowUs));
            await Task.WhenAny(changed, Task.Delay(wait, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Lets time pass while watching the invariants: on every event, and every 50 ms for the processes
    /// (doubleRun); a broken one ends the wait, and the run, at once. Answers the violation, or null.
    /// </summary>
    private static async Task<string?> WatchedWaitAsync(
        TimeSpan duration, Scenario scenario, ScenarioHistory history, DoubleRunSampler? sampler, long zeroUs, CancellationToken cancellationToken)
    {
        var end = DateTimeOffset.UtcNow + duration;
        while (true)
        {
            var changed = history.Changed;
            if (Violation(scenario, history.Snapshot(), sampler, zeroUs) is { } violation)
            {
                return violation;
            }

            var left = end - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            await Task.WhenAny(changed, Task.Delay(left < TimeSpan.FromMilliseconds(50) ? left : TimeSpan.FromMilliseconds(50), cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The first invariant broken since the run's zero, with when and what broke it; null: none.</summary>
    private static string? Violation(Scenario scenario, IReadOnlyList<ClusterEvent> events, DoubleRunSampler? sampler, long zeroUs)
    {
        foreach (var invariant in scenario.Never)
        {
            if (invariant is DoubleRunPredicate doubleRun)
            {
                if (sampler?.Violations.FirstOrDefault(v => v.Contains($" {doubleRun.Group}/", StringComparison.Ordinal)) is { } seen)
                {
                    return $"invariant at line {invariant.Line} broken: never {invariant.Describe()}; the processes showed: {seen}";
                }
            }
            else if (ScenarioEvaluation.FirstHolding(events, invariant, zeroUs, long.MaxValue) is { } broken)
            {
                return $"invariant at line {invariant.Line} broken: never {invariant.Describe()}; at {Ms((broken.TimeUnixUs - zeroUs) / 1000.0)}: "
                    + (broken.By is null ? "so from the start" : Line(broken.By));
            }
        }

        return null;
    }

    /// <summary>Samples the processes of every group a doubleRun invariant names; null when none does.</summary>
    private DoubleRunSampler? Sampler(Scenario scenario)
    {
        var groups = scenario.Never.OfType<DoubleRunPredicate>().Select(p => p.Group).ToHashSet(StringComparer.Ordinal);
        if (groups.Count == 0)
        {
            return null;
        }

        var self = SelfExecutable.CommandLine();
        var applications = scenario.Apply.Resources
            .Where(r => groups.Contains(r.Group) && r.Properties.TryGetValue("CommandLine", out _))
            .ToDictionary(r => $"{r.Group}/{r.Name}", r => ShellWords.Split(r.Properties["CommandLine"].Replace("$CLUSTER_EXE", self, StringComparison.Ordinal)));
        return new DoubleRunSampler(applications, options.SampleInterval);
    }

    private async Task PrintExpectationAsync(double at, ExpectStep step, List<ExpectationResult> results)
    {
        foreach (var result in results)
        {
            await output.WriteLineAsync(result.Met
                ? $"  {Ms(at)}  expect {result.Description}: met after {Ms(result.AfterMs!.Value)} ({result.Evidence})"
                : $"  {Ms(at)}  expect {result.Description} within {ScenarioDurations.Format(step.Within)}: NOT MET; saw {result.SeenInstead}").ConfigureAwait(false);
        }
    }

    private static StepResult Result(ScenarioStep step, string outcome, double at, double duration, string? detail) => new()
    {
        Line = step.Line,
        Action = step.Describe().Split(' ')[0],
        Description = step.Describe(),
        AtMs = at,
        DurationMs = duration,
        Outcome = outcome,
        Detail = detail,
    };

    private static EventRecord Record(ClusterEvent e, long zeroUs) => new()
    {
        AtMs = (e.TimeUnixUs - zeroUs) / 1000.0,
        Node = e.Node,
        Component = e.Component,
        Group = e.Group.Length > 0 ? e.Group : null,
        Resource = e.Resource.Length > 0 ? e.Resource : null,
        OldState = e.OldState.Length > 0 ? e.OldState : null,
        NewState = e.NewState.Length > 0 ? e.NewState : null,
        Text = e.Text,
        EventId = e.EventId != 0 ? e.EventId : null,
    };

    /// <summary>An event as one line: "n1 RHS resource app: Online -> Failed, ... (event 1069)".</summary>
    private static string Line(ClusterEvent e)
    {
        var subject = e.Resource.Length > 0 ? $"resource {e.Resource}: " : e.Group.Length > 0 ? $"group {e.Group}: " : string.Empty;
        var transition = e.NewState.Length > 0 ? $"{(e.OldState.Length > 0 ? e.OldState + " -> " : string.Empty)}{e.NewState}, " : string.Empty;
        return $"{e.Node} [{e.Component}] {subject}{transition}{e.Text}{(e.EventId != 0 ? $" (event {e.EventId})" : string.Empty)}";
    }

    private static string Ms(double milliseconds) => $"{(milliseconds / 1000).ToString("0.000", CultureInfo.InvariantCulture),7} s";

    private static string Count(int n, string what) => $"{n} {what}{(n == 1 ? string.Empty : "s")}";

    private static string Safe(string name) => new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-')]);
}
