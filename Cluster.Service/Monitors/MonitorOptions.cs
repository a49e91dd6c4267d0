namespace Cluster.Service.Monitors;

internal sealed class MonitorOptions
{
    /// <summary>The RHS executable; default: `rhs` beside this program.</summary>
    public string RhsPath { get; init; } = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "rhs.exe" : "rhs");

    /// <summary>How often each RHS is pinged; a ping that misses <see cref="HealthTimeout"/> means it is wedged.</summary>
    public TimeSpan HealthPingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an RHS may take to answer its health ping before it is declared frozen and replaced.
    /// Its own setting, not DeadlockTimeout: a stopped RHS must be found in seconds, not minutes.
    /// </summary>
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Whether the node may start anything right now under the given lease (that very lease is certainly
    /// alive; 0: any current lease). Checked at every Online, so that no callback ordering, and no decision
    /// read before a freeze, can let a node that lost that lease start a resource.
    /// </summary>
    public Func<long, bool> MayAct { get; init; } = static _ => true;

    /// <summary>The deadline of calls that concern no one resource (pings).</summary>
    public TimeSpan DeadlockTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long loading a resource DLL in an RHS may take. Not an entry point, so not DeadlockTimeout: a
    /// cold load on a busy machine can take longer than the short DeadlockTimeout a test or scenario sets.
    /// </summary>
    public TimeSpan TypeLoadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Keep one RHS started ahead of need, so that a replacement (or a new dedicated monitor) serves
    /// without waiting for a process to start (about 300 ms here). Costs one idle RHS of memory.
    /// </summary>
    public bool WarmStandby { get; init; } = true;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Receives what an RHS prints besides its handshake (and what its applications print), with the RHS's label.</summary>
    public Action<string, string>? OnRhsOutput { get; init; }

    /// <summary>Sees every call the node makes to the RHS it is given (the node's trace recorder); null: none.</summary>
    public Func<RhsName, Protocol.Transport.Observability.GrpcCallObserver>? RhsCallObserver { get; init; }

    /// <summary>Variables every RHS (and so every application it starts) gets, e.g. where claims live.</summary>
    public IReadOnlyDictionary<string, string> RhsEnvironment { get; init; } = new Dictionary<string, string>();
}
