namespace Cluster.Service.Scenarios;

internal sealed record ScenarioRunOptions
{
    /// <summary>Where each run's cluster directory is made; null: the temporary directory.</summary>
    public string? Root { get; init; }

    /// <summary>Keep the cluster directory of a passing run too (a failing run's is always kept).</summary>
    public bool Keep { get; init; }

    /// <summary>How long after an expectation's deadline the runner still waits for events stamped before it (they travel).</summary>
    public TimeSpan Straggle { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The pause between two samples of the processes, for doubleRun invariants.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromMilliseconds(5);
}
