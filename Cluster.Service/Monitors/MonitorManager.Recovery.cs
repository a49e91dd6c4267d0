using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol.Types.V1;
using Cluster.Protocol;
using Cluster.Service.Monitors.Policy;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Cluster.Service.Monitors;

/// <summary>The supervision half: RHS incarnations, calls under DeadlockTimeout, and replacing an RHS that died or hung.</summary>
internal sealed partial class MonitorManager
{
    /// <summary>Starts an RHS for the monitor and watches it; the caller decides when it serves.</summary>
    private async Task<RhsProcess> LaunchAsync(ResourceMonitor monitor, CancellationToken cancellationToken)
    {
        var rhs = await _pool.TakeAsync(cancellationToken).ConfigureAwait(false);
        rhs.Name.Role = monitor.Dedicated ? "dedicated" : "shared";
        lock (_lock)
        {
            monitor.Attach(rhs, _clock.GetUtcNow());
        }

        await PetNewAsync(rhs).ConfigureAwait(false);
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

    /// <summary>The next standby, with the types the node's resources use already loaded.</summary>
    private void ReplenishStandby()
    {
        List<ResourceTypeRef> types;
        lock (_lock)
        {
            if (_disposing.IsCancellationRequested)
            {
                return;
            }

            types = [.. _resources.Values.Select(r => r.Spec.Type).DistinctBy(t => (t.Name, t.DllPath))];
        }

        _pool.Replenish(types);
    }

    /// <exception cref="InvalidOperationException">Its RHS did not start (the monitor is gone again).</exception>
    private async Task<ResourceMonitor> CreateDedicatedAsync()
    {
        ResourceMonitor monitor;
        lock (_lock)
        {
            monitor = new ResourceMonitor(_nextMonitorId++, dedicated: true);
            _monitors.Add(monitor.Id, monitor);
        }

        try
        {
            monitor.Serve(await LaunchAsync(monitor, _disposing.Token).ConfigureAwait(false));
        }
        catch
        {
            await RetireAsync(monitor).ConfigureAwait(false);
            throw;
        }

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
        catch (Exception e) when (e is ClusterException or TimeoutException)
        {
            rhs.Kill();
        }

        await rhs.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Loads the type and opens the resource in <paramref name="rhs"/>. Open is an entry point like the
    /// others: one that misses DeadlockTimeout is a deadlock (1230), and that RHS is replaced, so that an
    /// Open completing late can never leave the resource open where nobody knows it.
    /// </summary>
    /// <exception cref="ClusterException">Aborted when it deadlocked; otherwise the RHS's own answer.</exception>
    private async Task OpenInAsync(HostedResourceState resource, ResourceMonitor monitor, RhsProcess rhs)
    {
        var spec = resource.Spec;
        try
        {
            var info = (await rhs.Client.LoadType(new LoadTypeRequest { Type = spec.Type }, _options.TypeLoadTimeout).ConfigureAwait(false)).Info;
            resource.TypeIntervals = (TimeSpan.FromMilliseconds(info.LooksAlivePollIntervalMs), TimeSpan.FromMilliseconds(info.IsAlivePollIntervalMs));
            resource.LooksAliveInterval = spec.LooksAlivePollInterval ?? resource.TypeIntervals.LooksAlive;
            resource.IsAliveInterval = spec.IsAlivePollInterval ?? resource.TypeIntervals.IsAlive;
        }
        catch (ClusterException e) when (e.Kind == ClusterErrorKind.DeadlineExceeded)
        {
            throw Deadlocked(resource, monitor, rhs, "LoadType", _options.TypeLoadTimeout);
        }

        var request = new OpenRequest
        {
            Resource = spec.Name,
            Type = spec.Type,
            LooksAlivePollIntervalMs = Milliseconds(resource.LooksAliveInterval),
            IsAlivePollIntervalMs = Milliseconds(resource.IsAliveInterval),
            PendingTimeoutMs = Milliseconds(spec.PendingTimeout),
        };
        request.Properties.Add(spec.Properties.ToDictionary());
        try
        {
            var opened = await rhs.Client.Open(request, spec.DeadlockTimeout).ConfigureAwait(false);
            await rhs.EventsHandledAsync(opened.EventsThrough, EventPatience).ConfigureAwait(false); // what the DLL logged while it opened comes first
        }
        catch (ClusterException e) when (e.Kind == ClusterErrorKind.DeadlineExceeded)
        {
            throw Deadlocked(resource, monitor, rhs, "Open", spec.DeadlockTimeout);
        }
    }

    /// <summary>How long an answer waits for the events published before it (they travel on another stream).</summary>
    private static readonly TimeSpan EventPatience = TimeSpan.FromSeconds(1);

    private static uint Milliseconds(TimeSpan interval) => (uint)Math.Clamp(interval.TotalMilliseconds, 1, uint.MaxValue);

    /// <summary>
    /// Every entry-point call after Open goes through here: it waits until the resource is open in an RHS
    /// (bounded: a monitor that cannot recover fails the call), and a call that misses
    /// DeadlockTimeout declares that RHS deadlocked (event 1230) and replaces it.
    /// </summary>
    private async Task<T> CallAsync<T>(HostedResourceState resource, string entryPoint, Func<RhsProcess, TimeSpan, Task<T>> call)
    {
        Task<RhsProcess> ready;
        lock (_lock)
        {
            ready = resource.Ready;
        }

        RhsProcess rhs;
        var patience = RecoveryPatience(resource.Spec);
        try
        {
            rhs = await ready.WaitAsync(patience, _clock, _disposing.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new ClusterException(ClusterErrorKind.FailedPrecondition,
                $"{entryPoint} of {resource.Name} could not be called: its monitor did not have it open again within {patience.TotalMilliseconds} ms (DeadlockTimeout + PendingTimeout).");
        }
        catch (OperationCanceledException)
        {
            throw new ClusterException(ClusterErrorKind.Cancelled, $"{entryPoint} of {resource.Name} was not called: the node is stopping.");
        }

        try
        {
            return await call(rhs, resource.Spec.DeadlockTimeout).ConfigureAwait(false);
        }
        catch (ClusterException e) when (e.Kind == ClusterErrorKind.DeadlineExceeded)
        {
            ResourceMonitor? monitor;
            lock (_lock)
            {
                monitor = _monitors.Values.FirstOrDefault(m => ReferenceEquals(m.Current, rhs)); // the resource may have moved since
            }

            throw Deadlocked(resource, monitor, rhs, entryPoint, resource.Spec.DeadlockTimeout);
        }
    }

    /// <summary>How long a call waits for its resource's monitor to recover: as long as a recovery may take, an Open's deadlock and a pending transition.</summary>
    private static TimeSpan RecoveryPatience(ResourceSpec spec) => spec.DeadlockTimeout + spec.PendingTimeout;

    /// <summary>The verdict on a call that missed its deadline: that RHS is replaced (unless it is already); the caller hears Aborted.</summary>
    private ClusterException Deadlocked(HostedResourceState resource, ResourceMonitor? monitor, RhsProcess rhs, string entryPoint, TimeSpan timeout)
    {
        if (monitor is not null)
        {
            _ = RecoverAsync(monitor, rhs, $"{entryPoint} of {resource.Name} did not return within {timeout.TotalMilliseconds} ms",
                new Deadlock(resource.Name, entryPoint));
        }

        return new ClusterException(ClusterErrorKind.Aborted, $"{entryPoint} of {resource.Name} deadlocked; its RHS is being replaced.");
    }

    /// <summary>
    /// Replaces a dead or wedged RHS as <see cref="RecyclePlan"/> says: kill it, report its resources
    /// Failed (once each), move a deadlocked resource to a dedicated monitor, and start a replacement
    /// (tried again with back-off until one starts) where the rest are opened again, one by one.
    /// </summary>
    private async Task RecoverAsync(ResourceMonitor monitor, RhsProcess rhs, string cause, Deadlock? deadlock)
    {
        Dictionary<string, HostedResourceState> hosted;
        RecyclePlan plan;
        lock (_lock)
        {
            if (monitor.Retired || !monitor.Withdraw(rhs))
            {
                return; // already being handled, or shutting down
            }

            monitor.Restarts++;
            hosted = monitor.Resources.ToDictionary(name => name, name => _resources[name], StringComparer.Ordinal);
            foreach (var resource in hosted.Values)
            {
                resource.Unready();
            }

            plan = RecyclePlan.For(monitor.Dedicated, hosted.ToDictionary(r => r.Key, r => r.Value.State, StringComparer.Ordinal), deadlock);
            if (deadlock is not null)
            {
                _hungBefore.Add(deadlock.Resource);
            }
        }

        rhs.StopLoops();
        if (deadlock is not null)
        {
            Publish(new MonitorEvent(_clock.GetUtcNow(), MonitorEventKind.Deadlock, monitor.Id, deadlock.Resource, cause, Pid: rhs.Pid,
                EventId: ClusterEventIds.ResourceDeadlocked));
            LogDeadlock(_logger, deadlock.Resource, deadlock.EntryPoint, monitor.Id, rhs.Pid);
        }

        rhs.Kill();
        await rhs.Exited.ConfigureAwait(false);
        Publish(new MonitorEvent(_clock.GetUtcNow(), MonitorEventKind.RhsTerminated, monitor.Id, null, cause, Pid: rhs.Pid,
            EventId: ClusterEventIds.RhsTerminated));
        LogRhsTerminated(_logger, monitor.Id, rhs.Pid, cause);
        foreach (var name in plan.ReportFailed)
        {
            SetState(hosted[name], ResourceState.Failed, RhsTerminatedCause, ClusterEventIds.ResourceFailed);
            lock (_lock)
            {
                hosted[name].ReadOnlyProperties.Clear();
            }
        }

        _ = rhs.DisposeAsync().AsTask();
        if (plan.Abandon is { } abandoned)
        {
            lock (_lock)
            {
                hosted[abandoned].Unreachable(new ClusterException(ClusterErrorKind.FailedPrecondition,
                    $"Resource {abandoned} is not opened again on this node: its Open deadlocked in its own monitor."));
            }
        }

        if (plan.MoveToDedicated is { } moving)
        {
            _ = MoveToDedicatedAsync(hosted[moving], monitor);
        }

        lock (_lock)
        {
            if (monitor.Dedicated && plan.Reopen.Count == 0 && !monitor.Retired)
            {
                // A dedicated monitor with nothing left to host has no reason to exist.
                monitor.Retired = true;
                _monitors.Remove(monitor.Id);
            }

            if (monitor.Retired || _disposing.IsCancellationRequested)
            {
                return;
            }
        }

        await ReplaceAsync(monitor, [.. plan.Reopen.Select(name => hosted[name])]).ConfigureAwait(false);
    }

    /// <summary>A new RHS for the monitor, tried until one starts; then its resources are opened there and it serves.</summary>
    private async Task ReplaceAsync(ResourceMonitor monitor, IReadOnlyList<HostedResourceState> reopen)
    {
        for (var attempt = 0; ; attempt++)
        {
            RhsProcess replacement;
            try
            {
                replacement = await LaunchAsync(monitor, _disposing.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                var delay = RecoveryBackoff.After(attempt);
                LogReplacementFailed(_logger, e, monitor.Id, attempt + 1, (long)delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, _clock, _disposing.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }
            catch (OperationCanceledException)
            {
                return; // the node is stopping
            }

            foreach (var resource in reopen)
            {
                lock (_lock)
                {
                    if (!ReferenceEquals(resource.Monitor, monitor) || !_resources.TryGetValue(resource.Name, out var current)
                        || !ReferenceEquals(current, resource))
                    {
                        continue; // closed, or moved, meanwhile
                    }
                }

                try
                {
                    await OpenInAsync(resource, monitor, replacement).ConfigureAwait(false);
                    lock (_lock)
                    {
                        resource.Opened(replacement);
                    }
                }
                catch (ClusterException e) when (e.Kind == ClusterErrorKind.Aborted || !ReferenceEquals(monitor.Current, replacement))
                {
                    return; // the replacement hung in this Open, or died: its own recovery carries on from here
                }
                catch (ClusterException e)
                {
                    // It does not open any more (its DLL fails to load now, say): its calls say why, the others go on.
                    LogReopenFailed(_logger, resource.Name, monitor.Id, e.Message);
                    lock (_lock)
                    {
                        resource.Unreachable(e);
                    }
                }
            }

            monitor.Serve(replacement);
            ReplenishStandby();
            return;
        }
    }

    private async Task MoveToDedicatedAsync(HostedResourceState resource, ResourceMonitor from)
    {
        ResourceMonitor to;
        try
        {
            to = await CreateDedicatedAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException)
        {
            lock (_lock)
            {
                resource.Unreachable(new ClusterException(ClusterErrorKind.Unavailable, $"Resource {resource.Name} has no RHS: its dedicated monitor did not start ({e.Message})."));
            }

            return;
        }

        bool stillHere;
        lock (_lock)
        {
            stillHere = ReferenceEquals(resource.Monitor, from) && _resources.TryGetValue(resource.Name, out var current) && ReferenceEquals(current, resource);
            if (stillHere)
            {
                from.Resources.Remove(resource.Name);
                to.Resources.Add(resource.Name);
                resource.Monitor = to;
            }
        }

        if (!stillHere)
        {
            await RetireAsync(to).ConfigureAwait(false); // closed or fenced meanwhile: the new monitor has nothing to host
            return;
        }

        var rhs = await to.Ready.ConfigureAwait(false);
        try
        {
            await OpenInAsync(resource, to, rhs).ConfigureAwait(false);
            lock (_lock)
            {
                resource.Opened(rhs);
            }

            Publish(new MonitorEvent(_clock.GetUtcNow(), MonitorEventKind.ResourceMoved, to.Id, resource.Name,
                $"moved from monitor {from.Id} to dedicated monitor {to.Id} after a deadlock"));
        }
        catch (ClusterException e) when (e.Kind != ClusterErrorKind.Aborted && ReferenceEquals(to.Current, rhs))
        {
            LogReopenFailed(_logger, resource.Name, to.Id, e.Message);
            lock (_lock)
            {
                resource.Unreachable(e);
            }
        }
        catch (ClusterException)
        {
            // It hung again, or its RHS died: that monitor's recovery has it now.
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Monitor {MonitorId}: {Kind} RHS process {Pid} started")]
    private static partial void LogRhsStarted(ILogger logger, int monitorId, int pid, string kind);

    [LoggerMessage(EventId = 1146, Level = LogLevel.Error, Message = "Monitor {MonitorId}: RHS process {Pid} terminated: {Cause}")]
    private static partial void LogRhsTerminated(ILogger logger, int monitorId, int pid, string cause);

    [LoggerMessage(EventId = 1230, Level = LogLevel.Error,
        Message = "Resource {Resource} deadlocked in {EntryPoint}: monitor {MonitorId}'s RHS process {Pid} will be terminated")]
    private static partial void LogDeadlock(ILogger logger, string resource, string entryPoint, int monitorId, int pid);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error,
        Message = "Monitor {MonitorId}: replacement RHS did not start (attempt {Attempt}); trying again in {DelayMs} ms")]
    private static partial void LogReplacementFailed(ILogger logger, Exception exception, int monitorId, int attempt, long delayMs);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Resource {Resource} could not be opened again in monitor {MonitorId}: {Error}")]
    private static partial void LogReopenFailed(ILogger logger, string resource, int monitorId, string error);
}
