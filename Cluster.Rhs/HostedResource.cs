using Cluster.Contracts.Resources;
using Cluster.Protocol.Rhs.V1;

namespace Cluster.Rhs;

/// <summary>
/// One opened resource: the DLL's instance, its context, and the gate that keeps its entry points
/// from being re-entered (Terminate alone passes the gate).
/// </summary>
internal sealed class HostedResource : IResourceContext, IDisposable
{
    private readonly EventFeed _events;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public HostedResource(string name, LoadedResourceType type, ResourceProperties properties, EventFeed events)
    {
        ResourceName = name;
        Type = type;
        Properties = properties;
        _events = events;
        Instance = type.CreateInstance();
        Instance.Attach(this);
    }

    public string ResourceName { get; }

    public LoadedResourceType Type { get; }

    public Resource Instance { get; }

    public ResourceProperties Properties { get; }

    public void Dispose() => _gate.Dispose();

    public bool Implements(string entryPoint) => Type.EntryPoints.Contains(entryPoint);

    /// <summary>Runs an entry point on its own thread, after any other entry point of this resource has finished.</summary>
    public async Task<T> CallAsync<T>(string entryPoint, Func<Resource, T> call, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await EntryPointThread.Run($"{ResourceName}.{entryPoint}", () => call(Instance)).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Terminate does not wait for the gate: it must reach a resource whose other call hangs.</summary>
    public Task TerminateAsync() =>
        EntryPointThread.Run($"{ResourceName}.Terminate", () =>
        {
            Instance.Terminate();
            return true;
        });

    public void ReportState(ResourceState state, uint checkpoint = 0, string message = "") =>
        _events.Publish(ResourceName, e => e.State = new StateReport { State = state.ToWire(), Checkpoint = checkpoint, Message = message ?? string.Empty });

    public void ReportFailure(string reason) =>
        _events.Publish(ResourceName, e => e.Failure = new FailureReport { Reason = reason ?? string.Empty });

    public void SetReadOnlyProperty(string name, string value) =>
        _events.Publish(ResourceName, e => e.Property = new PropertyReport { Name = name ?? string.Empty, Value = value ?? string.Empty });

    public void Log(ResourceLogLevel level, string message) =>
        _events.Publish(ResourceName, e => e.Log = new LogLine
        {
            Level = level switch
            {
                ResourceLogLevel.Debug => LogLevel.Debug,
                ResourceLogLevel.Warning => LogLevel.Warning,
                ResourceLogLevel.Error => LogLevel.Error,
                _ => LogLevel.Info,
            },
            Text = message ?? string.Empty,
        });
}
