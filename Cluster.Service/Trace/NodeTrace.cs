using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Transport.Observability;
using Cluster.Service.Monitors;

namespace Cluster.Service.Trace;

/// <summary>
/// A node's trace, whole: the ring (<see cref="TraceLog"/>), seeded from what the node wrote before it last
/// stopped or crashed; the file it keeps writing (<see cref="TraceFile"/>) from a background loop; and the
/// observers for the node's admin API and its RHS connections. Disposed, it writes out what is queued.
/// </summary>
internal sealed class NodeTrace : IAsyncDisposable
{
    /// <summary>A trace's own stream is not traffic worth showing: following it would record itself.</summary>
    private static readonly IReadOnlySet<string> s_notRecorded =
        new HashSet<string> { $"/{ClusterAdmin.Descriptor.FullName}/{nameof(ClusterAdmin.ClusterAdminBase.Trace)}" };

    private readonly string _node;
    private readonly TraceFile _file;
    private readonly CancellationTokenSource _stopWriting = new();

    private NodeTrace(string directory, string node, int capacity, Action<Exception> onWriteFailed)
    {
        _node = node;
        _file = new TraceFile(directory, node, capacity) { OnWriteFailed = onWriteFailed };
        Log = new TraceLog(node, capacity, _file.Append);
        Log.Seed(TraceFile.Read(directory, node).TakeLast(capacity));
        Writing = _file.RunAsync(_stopWriting.Token);
    }

    public TraceLog Log { get; }

    /// <summary>The file writer's loop, for the node's supervisor.</summary>
    public Task Writing { get; }

    /// <summary>The node's trace, or null when it records nothing (<paramref name="capacity"/> 0).</summary>
    /// <param name="directory">Where trace files live (the cluster directory's traces/).</param>
    /// <param name="node">The node's name.</param>
    /// <param name="capacity">How many records the ring keeps.</param>
    /// <param name="onWriteFailed">Told once if the disk refuses the file.</param>
    public static NodeTrace? Start(string directory, string node, int capacity, Action<Exception> onWriteFailed) =>
        capacity > 0 ? new NodeTrace(directory, node, capacity, onWriteFailed) : null;

    /// <summary>Records the node's calls to one RHS, named as traces show it ("n1/rhs-2 (pid 1234, shared)").</summary>
    public GrpcCallObserver ForRhs(RhsName rhs) => CallRecorder.ForClient(Log, () => $"{_node}/{rhs}");

    /// <summary>Records the calls the node's admin API serves.</summary>
    public GrpcCallObserver ForAdminApi() => CallRecorder.ForServer(Log, s_notRecorded);

    public async ValueTask DisposeAsync()
    {
        await _stopWriting.CancelAsync().ConfigureAwait(false);
        await Writing.ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        _stopWriting.Dispose();
    }
}
