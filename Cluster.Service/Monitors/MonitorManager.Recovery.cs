using Cluster.Contracts.Rhs.V1;
using Cluster.Contracts.Types.V1;
using Cluster.Grpc;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Cluster.Service.Monitors;

/// <summary>The watchdog half: RHS incarnations, calls under DeadlockTimeout, recovery, loops.</summary>
internal sealed partial class MonitorManager
{
    /// <summary>Starts an RHS for the monitor and watches it; the caller decides when it serves.</summary>
    private async Task<RhsProcess> LaunchAsync(ResourceMonitor monitor, CancellationToken cancellationToken)
    {
        var rhs = await TakeRhsAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            monitor.Attach(rhs, _clock.GetUtcNow());
        }

        Publish(new MonitorEvent(_clock.GetUtcNow(), MonitorEventKind.RhsStarted, monitor.Id, null, "RHS started", Pid: rhs.Pid));
        LogRhsStarted(_logger, monitor.Id, rhs.Pid, monitor.Dedicated ? "dedicated" : "shared");
        // The exit notification, not a poll: the moment it dies, recovery starts.
        _ = rhs.Exited.ContinueWith(
            t => RecoverAsync(monitor, rhs, t.Result == RhsProcess.FencedExitCode
                ? $"RHS process {rhs.Pid} fenced itself: its node did not pet it before the lease's safe end (exit code {t.Result})"
                : $"RHS process {rhs.Pid} exited with code {t.Result}", deadlock: null),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
        _ = PumpEventsAsync(monitor, rhs);
        _ = PingAsync(monitor, rhs);
        return rhs;
    }

    /// <summary>The warm standby if there is one (started ahead of need), else a new RHS; then a new standby.</summary>
    private async Task<RhsProcess> TakeRhsAsync(CancellationToken cancellationToken)
    {
        if (TakeStandby() is { } standby)
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

        return await RhsProcess.StartAsync(_options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the next standby, once the monitor that took the last one serves: the two would compete for CPU.</summary>
    private void ReplenishStandby()
    {
        lock (_lock)
        {
            if (_options.WarmStandby && _standby is null && !_disposing.IsCancellationRequested)
            {
                var types = _resources.Values.Select(r => r.Spec.Type).DistinctBy(t => (t.Name, t.DllPath)).ToList();
                _standby = StartWarmAsync(types);
            }
        }
    }

    /// <summary>A standby that is warm, not just started: its gRPC path has run and the node's resource types are loaded.</summary>
    private async Task<RhsProcess> StartWarmAsync(IReadOnlyList<ResourceTypeRef> types)
    {
        var rhs = await RhsProcess.StartAsync(_options, _disposing.Token).ConfigureAwait(false);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await rhs.Client.Ping(_options.DeadlockTimeout).ConfigureAwait(false);
            }

            foreach (var type in types)
            {
                await rhs.Client.LoadType(new LoadTypeRequest { Type = type }, _options.TypeLoadTimeout).ConfigureAwait(false);
            }
        }
        catch (RpcException)
        {
            // A type that no longer loads, or a standby that died: taking it will tell.
        }

        return rhs;
    }

    private Task<RhsProcess>? TakeStandby()
    {
        lock (_lock)
        {
            var standby = _standby;
            _standby = null;
            return standby;
        }
    }

    private async Task DisposeStandbyAsync()
    {
        if (TakeStandby() is { } standby)
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
    }

    private async Task<ResourceMonitor> CreateDedicatedAsync()
    {
        ResourceMonitor monitor;
        lock (_lock)
        {
            monitor = new ResourceMonitor(_nextMonitorId++, dedicated: true);
            _monitors.Add(monitor.Id, monitor);
        }

        monitor.Serve(await LaunchAsync(monitor, _disposing.Token).ConfigureAwait(false));
        ReplenishStandby();
        return monitor;
    }

    private async Task RetireAsync(ResourceMonitor monitor)
    {
        RhsProcess? rhs;
        lock (_lock)
        {
            monitor.Retired = true;
            rhs = monitor.Current;
            if (rhs is not null)
            {
                monitor.Withdraw(rhs);
            }

            if (monitor.Dedicated)
            {
                _monitors.Remove(monitor.Id);
            }
        }

        if (rhs is null)
        {
            return;
        }

        rhs.StopLoops();
        try
        {
            // Shutdown lets the RHS terminate what it runs; the kill is the backstop.
            await rhs.Client.Shutdown(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            await rhs.Exited.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or TimeoutException)
        {
            rhs.Kill();
        }

        await rhs.DisposeAsync().ConfigureAwait(false);
    }

    private async Task OpenInAsync(HostedResourceState resource, RhsProcess rhs)
    {
        var spec = resource.Spec;
        var info = (await rhs.Client.LoadType(new LoadTypeRequest { Type = spec.Type }, _options.TypeLoadTimeout).ConfigureAwait(false)).Info;
        resource.LooksAliveInterval = spec.LooksAlivePollInterval ?? TimeSpan.FromMilliseconds(info.LooksAlivePollIntervalMs);
        resource.IsAliveInterval = spec.IsAlivePollInterval ?? TimeSpan.FromMilliseconds(info.IsAlivePollIntervalMs);
        var request = new OpenRequest { Resource = spec.Name, Type = spec.Type };
        request.Properties.Add(spec.Properties.ToDictionary());
        await rhs.Client.Open(request, spec.DeadlockTimeout).ConfigureAwait(false);
    }

    /// <summary>
    /// Every entry-point call goes through here: it waits for the resource's monitor to serve, and a
    /// call that misses DeadlockTimeout declares that RHS deadlocked (event 1230) and replaces it.
    /// </summary>
    private async Task<T> CallAsync<T>(HostedResourceState resource, string entryPoint, Func<RhsProcess, TimeSpan, Task<T>> call)
    {
        var rhs = await resource.Monitor.Ready.WaitAsync(resource.Spec.DeadlockTimeout).ConfigureAwait(false);
        try
        {
            return await call(rhs, resource.Spec.DeadlockTimeout).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded)
        {
            _ = RecoverAsync(resource.Monitor, rhs, $"{entryPoint} of {resource.Name} did not return within {resource.Spec.DeadlockTimeout.TotalMilliseconds} ms",
                deadlock: (resource.Name, entryPoint));
            throw new RpcException(StatusCode.Aborted, $"{entryPoint} of {resource.Name} deadlocked; its RHS is being replaced.");
        }
    }

    /// <summary>
    /// Replaces a dead or wedged RHS: kill it, report its resources Failed, move a deadlocked resource
    /// to a dedicated monitor, start a new RHS and re-open the rest there.
    /// </summary>
    private async Task RecoverAsync(ResourceMonitor monitor, RhsProcess rhs, string cause, (string Resource, string EntryPoint)? deadlock)
    {
        List<HostedResourceState> hosted;
        lock (_lock)
        {
            if (monitor.Retired || !monitor.Withdraw(rhs))
            {
                return; // already being handled, or shutting down
            }

            monitor.Restarts++;
            hosted = [.. monitor.Resources.Select(name => _resources[name])];
        }

        rhs.StopLoops();
        var now = _clock.GetUtcNow();
        if (deadlock is { } d)
        {
            Publish(new MonitorEvent(now, MonitorEventKind.Deadlock, monitor.Id, d.Resource, cause, Pid: rhs.Pid,
                EventId: ClusterEventIds.ResourceDeadlocked));
            LogDeadlock(_logger, d.Resource, d.EntryPoint, monitor.Id, rhs.Pid);
        }

        rhs.Kill();
        await rhs.Exited.ConfigureAwait(false);
        Publish(new MonitorEvent(_clock.GetUtcNow(), MonitorEventKind.RhsTerminated, monitor.Id, null, cause, Pid: rhs.Pid,
            EventId: ClusterEventIds.RhsTerminated));
        LogRhsTerminated(_logger, monitor.Id, rhs.Pid, cause);
        foreach (var resource in hosted)
        {
            SetState(resource, ResourceState.Failed, RhsTerminatedCause, ClusterEventIds.ResourceFailed);
            lock (_lock)
            {
                resource.ReadOnlyProperties.Clear();
            }
        }

        _ = rhs.DisposeAsync().AsTask();
        if (_disposing.IsCancellationRequested)
        {
            return;
        }

        // Our own policy: the resource that hung moves to a dedicated monitor, so its next hang hurts only itself.
        if (deadlock is { } culprit && !monitor.Dedicated && hosted.Find(r => r.Name == culprit.Resource) is { } moving)
        {
            hosted.Remove(moving);
            _ = MoveToDedicatedAsync(moving, monitor);
        }

        RhsProcess? replacement = null;
        try
        {
            replacement = await LaunchAsync(monitor, _disposing.Token).ConfigureAwait(false);
            foreach (var resource in hosted)
            {
                await OpenInAsync(resource, replacement).ConfigureAwait(false);
            }

            monitor.Serve(replacement);
            ReplenishStandby();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or OperationCanceledException)
        {
            // If the replacement died too, its own exit notification is recovering the monitor already.
            if (replacement is null || ReferenceEquals(monitor.Current, replacement))
            {
                LogRecoveryFailed(_logger, e, monitor.Id);
                monitor.Fail(e);
            }
        }
    }

    private async Task MoveToDedicatedAsync(HostedResourceState resource, ResourceMonitor from)
    {
        var to = await CreateDedicatedAsync().ConfigureAwait(false);
        lock (_lock)
        {
            from.Resources.Remove(resource.Name);
            to.Resources.Add(resource.Name);
            resource.Monitor = to;
        }

        await OpenInAsync(resource, await to.Ready.ConfigureAwait(false)).ConfigureAwait(false);
        Publish(new MonitorEvent(_clock.GetUtcNow(), MonitorEventKind.ResourceMoved, to.Id, resource.Name,
            $"moved from monitor {from.Id} to dedicated monitor {to.Id} after a deadlock"));
    }

    private ResourceState ApplyTransition(
        HostedResourceState resource, ResourceState answered, string message, ResourceState done, ResourceState pending)
    {
        if (answered == pending)
        {
            long generation;
            lock (_lock)
            {
                resource.LastProgress = _clock.GetTimestamp();
                generation = resource.Generation;
            }

            _ = WatchPendingAsync(resource, generation);
            return pending;
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
        catch (RpcException e)
        {
            LogTerminateFailed(_logger, resource.Name, e.Status.ToString());
        }
    }

    /// <summary>Sets a state and publishes the change; false when it was already so.</summary>
    private bool SetState(HostedResourceState resource, ResourceState state, string cause, int? eventId = null)
    {
        ResourceState old;
        long generation;
        lock (_lock)
        {
            old = resource.State;
            if (old == state)
            {
                return false;
            }

            resource.State = state;
            generation = ++resource.Generation;
        }

        Publish(new MonitorEvent(_clock.GetUtcNow(), MonitorEventKind.StateChanged, resource.Monitor.Id, resource.Name, cause,
            old, state, EventId: eventId));
        if (state == ResourceState.Failed)
        {
            LogResourceFailed(_logger, resource.Name, cause);
        }

        if (state == ResourceState.Online)
        {
            _ = PollAsync(resource, generation);
        }

        return true;
    }

    /// <summary>LooksAlive and IsAlive at their intervals while Online; a false LooksAlive asks IsAlive at once.</summary>
    private async Task PollAsync(HostedResourceState resource, long generation)
    {
        var nextLooks = _clock.GetTimestamp() + ToTicks(resource.LooksAliveInterval);
        var nextIs = _clock.GetTimestamp() + ToTicks(resource.IsAliveInterval);
        try
        {
            while (IsCurrent(resource, generation) && !_disposing.IsCancellationRequested)
            {
                var due = Math.Min(nextLooks, nextIs);
                var wait = TimeSpan.FromSeconds(Math.Max(0, due - _clock.GetTimestamp()) / (double)_clock.TimestampFrequency);
                await Task.Delay(wait, _clock, _disposing.Token).ConfigureAwait(false);
                if (!IsCurrent(resource, generation))
                {
                    return;
                }

                var now = _clock.GetTimestamp();
                var thorough = now >= nextIs;
                if (!thorough)
                {
                    nextLooks = now + ToTicks(resource.LooksAliveInterval);
                    var looks = await CallAsync(resource, "LooksAlive", (rhs, d) =>
                        rhs.Client.LooksAlive(new LooksAliveRequest { Resource = resource.Name }, d)).ConfigureAwait(false);
                    if (looks.Alive)
                    {
                        continue;
                    }
                }

                nextIs = _clock.GetTimestamp() + ToTicks(resource.IsAliveInterval);
                var alive = await CallAsync(resource, "IsAlive", (rhs, d) =>
                    rhs.Client.IsAlive(new IsAliveRequest { Resource = resource.Name }, d)).ConfigureAwait(false);
                if (!alive.Alive && IsCurrent(resource, generation))
                {
                    Fail(resource, alive.Message.Length > 0 ? $"IsAlive failed: {alive.Message}" : "IsAlive reported the resource dead", terminate: true);
                    return;
                }
            }
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or TimeoutException)
        {
            // The RHS died or deadlocked (recovery reports it), or the node is stopping.
        }
    }

    /// <summary>PendingTimeout runs from the last progress report; when it passes, Failed and Terminate.</summary>
    private async Task WatchPendingAsync(HostedResourceState resource, long generation)
    {
        try
        {
            while (IsCurrent(resource, generation))
            {
                long last;
                lock (_lock)
                {
                    last = resource.LastProgress;
                }

                var remaining = resource.Spec.PendingTimeout - _clock.GetElapsedTime(last);
                if (remaining <= TimeSpan.Zero)
                {
                    Fail(resource, $"no progress within PendingTimeout ({resource.Spec.PendingTimeout.TotalMilliseconds} ms)", terminate: true);
                    return;
                }

                await Task.Delay(remaining, _clock, _disposing.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The node is stopping.
        }
    }

    private async Task PumpEventsAsync(ResourceMonitor monitor, RhsProcess rhs)
    {
        try
        {
            await foreach (var item in rhs.Client.WatchEvents(rhs.Stopping).ConfigureAwait(false))
            {
                HostedResourceState? resource;
                lock (_lock)
                {
                    _resources.TryGetValue(item.Resource, out resource);
                }

                if (resource is null || !ReferenceEquals(resource.Monitor, monitor))
                {
                    continue;
                }

                Dispatch(resource, item);
            }
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            // The stream ends with its RHS; recovery is the exit notification's job.
        }
    }

    private void Dispatch(HostedResourceState resource, ResourceEvent item)
    {
        switch (item.KindCase)
        {
            case ResourceEvent.KindOneofCase.State when item.State.State is ResourceState.OnlinePending or ResourceState.OfflinePending:
                lock (_lock)
                {
                    resource.LastProgress = _clock.GetTimestamp();
                }

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

    /// <summary>The health ping: an RHS that cannot answer within HealthTimeout is wedged (e.g. SIGSTOP).</summary>
    private async Task PingAsync(ResourceMonitor monitor, RhsProcess rhs)
    {
        try
        {
            while (!rhs.Stopping.IsCancellationRequested)
            {
                await Task.Delay(_options.HealthPingInterval, _clock, rhs.Stopping).ConfigureAwait(false);
                try
                {
                    await rhs.Client.Ping(_options.HealthTimeout).ConfigureAwait(false);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded && !rhs.Stopping.IsCancellationRequested)
                {
                    _ = RecoverAsync(monitor, rhs, $"RHS process {rhs.Pid} did not answer its health ping within {_options.HealthTimeout.TotalMilliseconds} ms",
                        deadlock: null);
                    return;
                }
                catch (RpcException)
                {
                    // Unreachable because it is dying: the exit notification takes over.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // This incarnation is being replaced or stopped.
        }
    }

    private bool IsCurrent(HostedResourceState resource, long generation)
    {
        lock (_lock)
        {
            return resource.Generation == generation;
        }
    }

    private long ToTicks(TimeSpan interval) => (long)(interval.TotalSeconds * _clock.TimestampFrequency);

    private void Publish(MonitorEvent item) => _events.Writer.TryWrite(item);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Monitor {MonitorId}: {Kind} RHS process {Pid} started")]
    private static partial void LogRhsStarted(ILogger logger, int monitorId, int pid, string kind);

    [LoggerMessage(EventId = 1146, Level = LogLevel.Error, Message = "Monitor {MonitorId}: RHS process {Pid} terminated: {Cause}")]
    private static partial void LogRhsTerminated(ILogger logger, int monitorId, int pid, string cause);

    [LoggerMessage(EventId = 1230, Level = LogLevel.Error,
        Message = "Resource {Resource} deadlocked in {EntryPoint}: monitor {MonitorId}'s RHS process {Pid} will be terminated")]
    private static partial void LogDeadlock(ILogger logger, string resource, string entryPoint, int monitorId, int pid);

    [LoggerMessage(EventId = 1069, Level = LogLevel.Error, Message = "Resource {Resource} failed: {Cause}")]
    private static partial void LogResourceFailed(ILogger logger, string resource, string cause);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Terminate of {Resource} failed: {Status}")]
    private static partial void LogTerminateFailed(ILogger logger, string resource, string status);

    [LoggerMessage(EventId = 3, Level = LogLevel.Critical, Message = "Monitor {MonitorId} could not be recovered")]
    private static partial void LogRecoveryFailed(ILogger logger, Exception exception, int monitorId);
}
