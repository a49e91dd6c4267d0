using System.Text.Json.Serialization;

namespace Cluster.Service.Scenarios;

/// <summary>
/// The record of one scenario run: what `--json` prints, and what the JUnit file and the HTML report are
/// made from. Times are milliseconds from the moment the first step began (the run's zero).
/// </summary>
internal sealed record ScenarioResult
{
    public required string Name { get; init; }

    public required string Path { get; init; }

    public string? Description { get; init; }

    public required bool Passed { get; init; }

    /// <summary>Why it failed, naming the expectation or invariant and what was seen instead; null when it passed.</summary>
    public string? Failure { get; init; }

    /// <summary>The cluster directory, when it was kept (a failed run's evidence, or --keep).</summary>
    public string? Directory { get; init; }

    public required DateTimeOffset Started { get; init; }

    /// <summary>The whole run: start-up, apply, steps and shutdown.</summary>
    public required double DurationMs { get; init; }

    /// <summary>Milliseconds from the start of the run to its zero (start-up and apply).</summary>
    public required double SetupMs { get; init; }

    public required IReadOnlyList<string> Nodes { get; init; }

    public required IReadOnlyList<StepResult> Steps { get; init; }

    /// <summary>Invariants broken, each with when and what broke it.</summary>
    public required IReadOnlyList<string> Violations { get; init; }

    /// <summary>Every event the nodes reported (and node exits), for the timeline.</summary>
    public required IReadOnlyList<EventRecord> Events { get; init; }
}

internal sealed record StepResult
{
    public required int Line { get; init; }

    /// <summary>The step's action key: kill, expect, wait...</summary>
    public required string Action { get; init; }

    public required string Description { get; init; }

    public required double AtMs { get; init; }

    public required double DurationMs { get; init; }

    /// <summary>passed, failed, or skipped (after an earlier failure).</summary>
    public required string Outcome { get; init; }

    public string? Detail { get; init; }

    public IReadOnlyList<ExpectationResult>? Expectations { get; init; }
}

internal sealed record ExpectationResult
{
    public required string Description { get; init; }

    public required bool Met { get; init; }

    /// <summary>How long after the last action began it held (for an expectation step): the runner's timing.</summary>
    public double? AfterMs { get; init; }

    /// <summary>The event that made it hold, as the cluster log prints it.</summary>
    public string? Evidence { get; init; }

    public string? SeenInstead { get; init; }
}

internal sealed record EventRecord
{
    public required double AtMs { get; init; }

    public required string Node { get; init; }

    public required string Component { get; init; }

    public string? Group { get; init; }

    public string? Resource { get; init; }

    public string? OldState { get; init; }

    public string? NewState { get; init; }

    public required string Text { get; init; }

    public int? EventId { get; init; }
}

[JsonSerializable(typeof(ScenarioResult))]
[JsonSerializable(typeof(IReadOnlyList<ScenarioResult>))]
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
internal sealed partial class ScenarioJson : JsonSerializerContext;
