namespace Cluster.Service.Bench;

/// <summary>What a fault campaign did and saw; <see cref="Passed"/> is the verdict.</summary>
internal sealed record ChaosReport(
    int Seed,
    int Faults,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<ChaosFailover> Failovers,
    IReadOnlyList<ChaosFailover> FailoverTimeouts,
    long Samples,
    IReadOnlyList<string> Violations,
    bool Settled,
    IReadOnlyList<string> LeftOver,
    TimeSpan Duration,
    string? KeptDirectory)
{
    /// <summary>Every fault and recovery, in order: what else struck while a slow failover was under way.</summary>
    public IReadOnlyList<ChaosStep> Steps { get; init; } = [];

    /// <summary>Nodes that ended while frozen, which nothing but a kill of the campaign's may do.</summary>
    public IReadOnlyList<string> NodesLost { get; init; } = [];

    /// <summary>Never two copies, no node lost, settled where the policy says, nothing left behind.</summary>
    public bool Passed => Violations.Count == 0 && NodesLost.Count == 0 && Settled && LeftOver.Count == 0;

    private const int SlowestShown = 5;

    public void WriteTo(TextWriter output)
    {
        output.WriteLine($"seed {Seed}: {Faults} faults in {Duration.TotalMinutes:0.0} min");
        foreach (var (kind, count) in Counts)
        {
            output.WriteLine($"  {kind,-28} {count,5}");
        }

        var moved = Failovers.Where(f => !f.NodeReturnedFirst).ToList();
        if (moved.Count > 0)
        {
            var sorted = moved.Select(f => f.Took).Order().ToList();
            string Ms(double q) => $"{sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))].TotalMilliseconds:0}";
            output.WriteLine($"group online on another node after an owner fault ({sorted.Count}): median {Ms(0.5)} ms, p90 {Ms(0.9)} ms, max {sorted[^1].TotalMilliseconds:0} ms");
            // The tail is where the questions are: each with what struck and when, to read beside the cluster log.
            foreach (var slow in moved.OrderByDescending(f => f.Took).Take(SlowestShown))
            {
                var meanwhile = Steps.Where(s => s.At > slow.AtUtc && s.At < slow.AtUtc + slow.Took).Select(s => $"{s.What} at {s.At:HH:mm:ss.fff}").ToList();
                output.WriteLine($"  slow: {slow}{(meanwhile.Count > 0 ? "; meanwhile " + string.Join(", ", meanwhile) : string.Empty)}");
            }
        }

        if (Failovers.Count > moved.Count)
        {
            output.WriteLine($"not counted ({Failovers.Count - moved.Count}): the node came back before its group moved (a fault undone within the lease leaves the group where it is)");
        }

        var stayed = FailoverTimeouts.Count(f => f.NodeReturnedFirst);
        if (stayed > 0)
        {
            output.WriteLine($"stayed ({stayed}): not online elsewhere within 30 s, and its node came back meanwhile");
        }

        // A group that neither moved nor got its node back: the ones to read in the cluster log.
        var stuck = FailoverTimeouts.Where(f => !f.NodeReturnedFirst).ToList();
        if (stuck.Count > 0)
        {
            output.WriteLine($"NOT online elsewhere within 30 s while its node was still down ({stuck.Count}):");
            foreach (var failover in stuck.Take(SlowestShown))
            {
                output.WriteLine($"  {failover.Group} off {failover.From} after {failover.Fault} at {failover.AtUtc:HH:mm:ss.fff} ({failover.NodesDown} other node(s) down then)");
            }
        }

        output.WriteLine($"{Samples} samples of the application processes; {Violations.Count} with a group's application running twice");
        foreach (var violation in Violations.Take(20))
        {
            output.WriteLine($"  VIOLATION {violation}");
        }

        foreach (var node in NodesLost)
        {
            output.WriteLine($"  NODE LOST: {node}");
        }

        output.WriteLine(Settled ? "settled: every group Online where the policy says, one copy each" : "NOT SETTLED within 90 s after the faults");
        output.WriteLine(LeftOver.Count == 0 ? "nothing left running after the cluster stopped" : $"LEFT RUNNING after the cluster stopped: {string.Join(", ", LeftOver)}");
        var kept = KeptDirectory is null ? string.Empty : $" (cluster directory kept: {KeptDirectory})";
        output.WriteLine((Passed ? "passed" : "FAILED") + kept);
    }
}
