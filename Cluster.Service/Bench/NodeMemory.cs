namespace Cluster.Service.Bench;

/// <summary>Starts a real idle node (one shared RHS, one warm standby) and reads the resident set of each process.</summary>
internal static class NodeMemory
{
    /// <summary>The node's resident set, and each of its RHS processes' (the shared one and the warm standby).</summary>
    public static async Task<(long NodeKib, IReadOnlyList<long> RhsKib)> MeasureAsync(CancellationToken cancellationToken)
    {
        var node = BenchNode.Start("bench");
        await using (node.ConfigureAwait(false))
        {
            using var client = await node.ConnectAsync(cancellationToken).ConfigureAwait(false);
            // Let start-up allocations settle (and the standby start) before reading.
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
            return (ProcFs.ResidentKib(node.Process.Id), [.. ProcFs.ChildrenOf(node.Process.Id).Select(ProcFs.ResidentKib)]);
        }
    }
}
