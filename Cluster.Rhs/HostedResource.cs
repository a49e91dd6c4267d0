using Cluster.Contracts.Resources;
using Cluster.Protocol.Rhs.V1;
using Cluster.Rhs.Health;

namespace Cluster.Rhs;

/// <summary>
/// One opened resource: the DLL's instance, its context, and the gate that keeps its entry points
/// from being re-entered (Terminate alone passes the gate). Its health checks run on the
/// <see cref="RhsRuntime.Health"/> schedule while it is Online.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The gate is never disposed: a health check may still be waiting on it when the resource closes, and a SemaphoreSlim holds no OS handle unless asked for one.")]
internal sealed class HostedResource : IResourceContext, IHealthProbe
{
    private readonly RhsRuntime _runtime;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public HostedResource(string name, LoadedResourceType type, ResourceProperties properties, TimeSpan looksAliveInterval, TimeSpan isAliveInterval,
        RhsRuntime runtime)
    {
        ResourceName = name;
        Type = type;
        Properties = properties;
        LooksAliveInterval = looksAliveInterval;
        IsAliveInterval = isAliveInterval;
        _runtime = runtime;
        Instance = type.CreateInstance();
        Instance.Attach(this);
    }

    public string ResourceName { get; }

    public LoadedResourceType Type { get; }

    public Resource Instance { get; }

    public ResourceProperties Properties { get; }

    string IHealthProbe.Resource => ResourceName;

    public TimeSpan LooksAliveInterval { get; set; }

    public TimeSpan IsAliveInterval { get; set; }

    /// <summary>How long a pending Online or Offline may go without progress; a change applies from the next one.</summary>
    public TimeSpan PendingTimeout { get; set; } = DefaultPendingTimeout;

    /// <summary>WSFC's default PendingTimeout: three minutes.</summary>
    public static readonly TimeSpan DefaultPendingTimeout = TimeSpan.FromMinutes(3);

    public bool Implements(string entryPoint) => Type.EntryPoints.Contains(entryPoint);

    /// <summary>Runs an entry point on a worker thread, after any other entry point of this resource has finished.</summary>
    public async Task<T> CallAsync<T>(string entryPoint, Func<Resource, T> call, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _runtime.Workers.RunAsync(() =>
            {
                using var inFlight = _runtime.Calls.Enter(ResourceName, entryPoint);
                return call(Instance);
            }).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Online or Offline: an entry point that may answer <paramref name="pending"/>, which starts its
    /// PendingTimeout (a new transition ends any earlier one's).
    /// </summary>
    public Task<ResourceState> TransitionAsync(string entryPoint, Func<Resource, ResourceState> call, ResourceState pending, CancellationToken cancellationToken) =>
        CallAsync(entryPoint, resource =>
        {
            var begun = _runtime.Pending.Begin(ResourceName);
            var state = call(resource);
            if (state == pending)
            {
                _runtime.Pending.Start(ResourceName, begun, PendingTimeout);
            }

            return state;
        }, cancellationToken);

    /// <summary>Terminate does not wait for the gate: it must reach a resource whose other call hangs.</summary>
    public Task TerminateAsync() =>
        _runtime.Workers.RunAsync(() =>
        {
            using var inFlight = _runtime.Calls.Enter(ResourceName, nameof(Resource.Terminate));
            Instance.Terminate();
            return true;
        });

    /// <summary>
    /// A scheduled check, in turn with the resource's other entry points: on the <see cref="RhsRuntime.Checks"/>
    /// queue, after the checks due with it; one that would wait for another entry point of this resource
    /// waits on a worker thread of its own instead, so that it holds up no other resource's check.
    /// </summary>
    public void Check(HealthCheck check, Action<bool, string> done)
    {
        var entryPoint = check == HealthCheck.LooksAlive ? nameof(Resource.LooksAlive) : nameof(Resource.IsAlive);
        if (!Implements(entryPoint))
        {
            done(true, string.Empty); // discarded, as WSFC does with an entry point a DLL leaves out
            return;
        }

        _runtime.Checks.Run(() =>
        {
            if (_gate.Wait(0))
            {
                RunCheck(check, entryPoint, done);
            }
            else
            {
                _runtime.Workers.Run(() =>
                {
                    _gate.Wait();
                    RunCheck(check, entryPoint, done);
                });
            }
        });
    }

    /// <summary>Holding the gate, which it releases before it reports.</summary>
    private void RunCheck(HealthCheck check, string entryPoint, Action<bool, string> done)
    {
        bool alive;
        var why = string.Empty;
        try
        {
            using var inFlight = _runtime.Calls.Enter(ResourceName, entryPoint);
            alive = check == HealthCheck.LooksAlive ? Instance.LooksAlive() : Instance.IsAlive();
        }
        catch (Exception e) // a check that throws says the resource is not alive, and why
        {
            alive = false;
            why = $"{entryPoint} threw {e.GetType().Name}: {e.Message}";
        }
        finally
        {
            _gate.Release();
        }

        done(alive, why);
    }

    public void ReportState(ResourceState state, uint checkpoint = 0, string message = "")
    {
        // The DLL's word on its state decides whether it is checked: Online from a pending start, anything else stops the checks.
        if (state == ResourceState.Online)
        {
            _runtime.Health.Watch(this);
        }
        else
        {
            _runtime.Health.Unwatch(ResourceName);
        }

        // A pending state is progress: its PendingTimeout starts again. Any other ends the transition.
        if (state is ResourceState.OnlinePending or ResourceState.OfflinePending)
        {
            _runtime.Pending.Progress(ResourceName);
        }
        else
        {
            _runtime.Pending.Stop(ResourceName);
        }

        _runtime.Events.Publish(ResourceName, e => e.State = new StateReport { State = state.ToWire(), Checkpoint = checkpoint, Message = message ?? string.Empty });
    }

    public void ReportFailure(string reason)
    {
        _runtime.Health.Unwatch(ResourceName);
        _runtime.Pending.Stop(ResourceName);
        _runtime.Events.Publish(ResourceName, e => e.Failure = new FailureReport { Reason = reason ?? string.Empty });
    }

    public void SetReadOnlyProperty(string name, string value) =>
        _runtime.Events.Publish(ResourceName, e => e.Property = new PropertyReport { Name = name ?? string.Empty, Value = value ?? string.Empty });

    public void Log(ResourceLogLevel level, string message) =>
        _runtime.Events.Publish(ResourceName, e => e.Log = new LogLine
        {
            Level = level switch
            {
                ResourceLogLevel.Debug => Protocol.Rhs.V1.LogLevel.Debug,
                ResourceLogLevel.Warning => Protocol.Rhs.V1.LogLevel.Warning,
                ResourceLogLevel.Error => Protocol.Rhs.V1.LogLevel.Error,
                _ => Protocol.Rhs.V1.LogLevel.Info,
            },
            Text = message ?? string.Empty,
        });
}
