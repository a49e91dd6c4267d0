using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol.Types.V1;
using Cluster.Protocol;
using Cluster.Service.Monitors.Policy;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Cluster.Service.Monitors;

/// <summary>The health half: resource states and their events (PendingTimeout and failed IsAlive among them, found by the RHS), the RHS's event stream and its ping.</summary>
internal sealed partial class MonitorManager
{
    private ResourceState ApplyTransition(
        HostedResourceState resource, ResourceState answered, string message, ResourceState done, ResourceState pending)
    {
        if (answered == pending)
        {
            return pending; // its RHS keeps the PendingTimeout, and says when it passes
        }

        if (answered == done)
        {
            SetState(resource, done, message.Length > 0 ? message : $"{done} reported by the resource");
            return done;
        }

        Fail(resource, message.Length > 0 ? message : "the resource reported Failed", terminate: false);
        return ResourceState.Failed;
    }

    /// <summary>
    /// Failed (event 1069) and Terminate, as WSFC does after a failed IsAlive. The Terminate is under way
    /// before the event is out, so that whoever hears of the failure can wait for it (<see cref="WhenTerminatedAsync"/>).
    /// </summary>
    private void Fail(HostedResourceState resource, string cause, bool terminate)
    {
        if (terminate)
        {
            lock (_lock)
            {
                if (resource.State == ResourceState.Failed)
                {
                    return; // failed already: its Terminate was started then
                }

                resource.Terminating = TerminateQuietlyAsync(resource);
            }
        }

        SetState(resource, ResourceState.Failed, cause, ClusterEventIds.ResourceFailed);
    }

    private async Task TerminateQuietlyAsync(HostedResourceState resource)
    {
        try
        {
            await CallAsync(resource, "Terminate", (rhs, d) => rhs.Client.Terminate(new TerminateRequest { Resource = resource.Name }, d))
                .ConfigureAwait(false);
        }
        catch (ClusterException e)
        {
            LogTerminateFailed(_logger, resource.Name, e.Message);
        }
    }

    /// <summary>
    /// A resource this node stopped hosting (closed, or dropped by a fence) ends Offline here, so that the
    /// node's events never leave it Failed or Online on a node that no longer has it.
    /// </summary>
    private void PublishGone(HostedResourceState resource, string cause)
    {
        ResourceState old;
        lock (_lock)
        {
            old = resource.State;
            resource.State = ResourceState.Offline;
        }

        if (old is not (ResourceState.Offline or ResourceState.Unspecified))
        {
            Publish(new MonitorEvent(_clock.GetUtcNow(), MonitorEventKind.Released, resource.Monitor.Id, resource.Name, cause, old, ResourceState.Offline));
        }
    }

    /// <summary>Sets a state and publishes the change; false when it was already so.</summary>
    private bool SetState(HostedResourceState resource, ResourceState state, string cause, int? eventId = null)
    {
        ResourceState old;
        lock (_lock)
        {
            old = resource.State;
            if (old == state)
            {
                return false;
            }

            resource.State = state;
        }

        Publish(new MonitorEvent(_clock.GetUtcNow(), MonitorEventKind.StateChanged, resource.Monitor.Id, resource.Name, cause,
            old, state, EventId: eventId));
        if (state == ResourceState.Failed)
        {
            LogResourceFailed(_logger, resource.Name, cause);
        }

        return true;
    }

    private async Task PumpEventsAsync(ResourceMonitor monitor, RhsProcess rhs)
    {
        try
        {
            await foreach (var item in rhs.Client.WatchEvents(rhs.Stopping).ConfigureAwait(false))
            {
                Handle(monitor, item);
                rhs.EventHandled(item.Sequence);
            }
        }
        catch (Exception e) when (e is ClusterException or OperationCanceledException)
        {
            // The stream ends with its RHS; recovery is the exit notification's job.
        }
    }

    private void Handle(ResourceMonitor monitor, ResourceEvent item)
    {
        HostedResourceState? resource;
        lock (_lock)
        {
            _resources.TryGetValue(item.Resource, out resource);
        }

        if (resource is null && item.KindCase == ResourceEvent.KindOneofCase.Log)
        {
            // A line logged while the resource opens, before it is hosted here: still the DLL's word.
            Publish(new MonitorEvent(_clock.GetUtcNow(), MonitorEventKind.ResourceLog, monitor.Id, item.Resource, item.Log.Text));
            return;
        }

        if (resource is not null && ReferenceEquals(resource.Monitor, monitor))
        {
            Dispatch(resource, item);
        }
    }

    private void Dispatch(HostedResourceState resource, ResourceEvent item)
    {
        switch (item.KindCase)
        {
            case ResourceEvent.KindOneofCase.State when item.State.State is ResourceState.OnlinePending or ResourceState.OfflinePending:
                Publish(new MonitorEvent(_clock.GetUtcNow(), MonitorEventKind.Progress, resource.Monitor.Id, resource.Name,
                    $"{item.State.State} checkpoint {item.State.Checkpoint}{(item.State.Message.Length > 0 ? $": {item.State.Message}" : string.Empty)}"));
                break;
            case ResourceEvent.KindOneofCase.State when item.State.State == ResourceState.Failed:
                Fail(resource, item.State.Message.Length > 0 ? item.State.Message : "the resource reported Failed", terminate: true);
                break;
            case ResourceEvent.KindOneofCase.State:
                SetState(resource, item.State.State, item.State.Message.Length > 0 ? item.State.Message : $"{item.State.State} reported by the resource");
                break;
            case ResourceEvent.KindOneofCase.Failure:
                Fail(resource, $"the resource reported a failure: {item.Failure.Reason}", terminate: true);
                break;
            case ResourceEvent.KindOneofCase.HealthFailure when resource.State == ResourceState.Online:
                // The RHS's own IsAlive; one that raced with a stop the node asked for is stale, and ignored.
                Fail(resource, item.HealthFailure.Message.Length > 0 ? $"IsAlive failed: {item.HealthFailure.Message}" : "IsAlive reported the resource dead",
                    terminate: true);
                break;
            case ResourceEvent.KindOneofCase.PendingTimeout when resource.State is ResourceState.OnlinePending or ResourceState.OfflinePending:
                // Kept by the RHS, as WSFC's resource monitor keeps it; one that raced with a new call is stale, and ignored.
                Fail(resource, $"no progress within PendingTimeout ({item.PendingTimeout.TimeoutMs} ms)", terminate: true);
                break;
            case ResourceEvent.KindOneofCase.Property:
                lock (_lock)
                {
                    if (item.Property.Value.Length == 0)
                    {
                        resource.ReadOnlyProperties.Remove(item.Property.Name);
                    }
                    else
                    {
                        resource.ReadOnlyProperties[item.Property.Name] = item.Property.Value;
                    }
                }

                break;
            case ResourceEvent.KindOneofCase.Log:
                Publish(new MonitorEvent(_clock.GetUtcNow(), MonitorEventKind.ResourceLog, resource.Monitor.Id, resource.Name,
                    item.Log.Text));
                break;
        }
    }

    /// <summary>
    /// The health ping, and the watchdog over entry points, from outside the RHS: an RHS that cannot
    /// answer within HealthTimeout is wedged (e.g. SIGSTOP); a call it lists as running past its
    /// resource's DeadlockTimeout is a deadlock (1230). While a call runs, the next ping comes when its
    /// DeadlockTimeout ends, so a hang is caught on time even between regular pings.
    /// </summary>
    private async Task PingAsync(ResourceMonitor monitor, RhsProcess rhs)
    {
        try
        {
            var wait = _options.HealthPingInterval;
            while (!rhs.Stopping.IsCancellationRequested)
            {
                await Task.Delay(wait, _clock, rhs.Stopping).ConfigureAwait(false);
                PingResponse answer;
                try
                {
                    answer = await rhs.PingAsync(_options.HealthTimeout).ConfigureAwait(false);
                }
                catch (ClusterException e) when (e.Kind == ClusterErrorKind.DeadlineExceeded && !rhs.Stopping.IsCancellationRequested)
                {
                    _ = RecoverAsync(monitor, rhs, $"RHS process {rhs.Pid} did not answer its health ping within {_options.HealthTimeout.TotalMilliseconds} ms",
                        deadlock: null);
                    return;
                }
                catch (ClusterException)
                {
                    // Unreachable because it is dying: the exit notification takes over.
                    wait = _options.HealthPingInterval;
                    continue;
                }

                wait = _options.HealthPingInterval;
                foreach (var call in answer.Calls)
                {
                    if (DeadlockOf(monitor, call) is not { } timeout)
                    {
                        continue;
                    }

                    var left = timeout - TimeSpan.FromMilliseconds(call.RunningMs);
                    if (left <= TimeSpan.Zero)
                    {
                        _ = RecoverAsync(monitor, rhs, $"{call.EntryPoint} of {call.Resource} did not return within {timeout.TotalMilliseconds} ms",
                            new Deadlock(call.Resource, call.EntryPoint));
                        return;
                    }

                    wait = left < wait ? left : wait;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // This incarnation is being replaced or stopped.
        }
    }

    /// <summary>
    /// The DeadlockTimeout of a call the RHS lists, if it concerns a resource this monitor hosts. An Open is
    /// left to its caller, which times it and decides what a hung Open means (<see cref="OpenInAsync"/>).
    /// </summary>
    private TimeSpan? DeadlockOf(ResourceMonitor monitor, InFlightCall call)
    {
        lock (_lock)
        {
            return call.EntryPoint != "Open" && _resources.TryGetValue(call.Resource, out var resource) && ReferenceEquals(resource.Monitor, monitor)
                ? resource.Spec.DeadlockTimeout
                : null;
        }
    }

    private void Publish(MonitorEvent item) => _events.Writer.TryWrite(item);

    [LoggerMessage(EventId = 1069, Level = LogLevel.Error, Message = "Resource {Resource} failed: {Cause}")]
    private static partial void LogResourceFailed(ILogger logger, string resource, string cause);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Terminate of {Resource} failed: {Status}")]
    private static partial void LogTerminateFailed(ILogger logger, string resource, string status);
}
