using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol;

namespace Cluster.Service.Monitors;

/// <summary>
/// Where new RHS processes come from: a warm standby started ahead of need (so that a replacement, or a
/// new dedicated monitor, serves without waiting for a process to start), else a process started now.
/// </summary>
internal sealed class RhsPool(MonitorOptions options) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _disposing = new();
    private Task<RhsProcess>? _standby;

    /// <summary>The warm standby's PID once it has started; null while there is none.</summary>
    public int? StandbyPid
    {
        get
        {
            lock (_lock)
            {
                return _standby is { IsCompletedSuccessfully: true } standby ? standby.Result.Pid : null;
            }
        }
    }

    /// <summary>Completes when the warm standby (if enabled) has started.</summary>
    public async Task WaitForStandbyAsync()
    {
        Task<RhsProcess>? standby;
        lock (_lock)
        {
            standby = _standby;
        }

        if (standby is not null)
        {
            await standby.ConfigureAwait(false);
        }
    }

    /// <summary>The warm standby if it is alive, else a new RHS.</summary>
    /// <exception cref="InvalidOperationException">The RHS did not start.</exception>
    public async Task<RhsProcess> TakeAsync(CancellationToken cancellationToken)
    {
        if (Take() is { } standby)
        {
            try
            {
                var spare = await standby.ConfigureAwait(false);
                if (!spare.Exited.IsCompleted)
                {
                    return spare;
                }

                await spare.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
            {
                // The standby did not start: start one now, as if there had been none.
            }
        }

        return await RhsProcess.StartAsync(options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the next standby with <paramref name="types"/> loaded, if there is none. Called once the
    /// monitor that took the last one serves: the two would compete for CPU.
    /// </summary>
    public void Replenish(IReadOnlyList<ResourceTypeRef> types)
    {
        lock (_lock)
        {
            if (options.WarmStandby && _standby is null && !_disposing.IsCancellationRequested)
            {
                _standby = StartWarmAsync(types);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        if (Take() is { } standby)
        {
            try
            {
                await (await standby.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
            {
                // It never started: nothing to stop.
            }
        }

        _disposing.Dispose();
    }

    /// <summary>A standby that is warm, not just started: its gRPC path has run and the node's resource types are loaded.</summary>
    private async Task<RhsProcess> StartWarmAsync(IReadOnlyList<ResourceTypeRef> types)
    {
        var rhs = await RhsProcess.StartAsync(options, _disposing.Token).ConfigureAwait(false);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await rhs.Client.Ping(options.DeadlockTimeout).ConfigureAwait(false);
            }

            foreach (var type in types)
            {
                await rhs.Client.LoadType(new LoadTypeRequest { Type = type }, options.TypeLoadTimeout).ConfigureAwait(false);
            }
        }
        catch (ClusterException)
        {
            // A type that no longer loads, or a standby that died: taking it will tell.
        }

        return rhs;
    }

    private Task<RhsProcess>? Take()
    {
        lock (_lock)
        {
            var standby = _standby;
            _standby = null;
            return standby;
        }
    }
}
