using System.Diagnostics;
using System.Globalization;
using Cluster.Protocol.Admin.V1;
using Cluster.Service.Admin;
using Cluster.Service.Bench;

namespace Cluster.Service.Scenarios;

/// <summary>
/// Carries out a scenario's actions on its cluster: real signals to real processes, and the admin API for
/// everything an administrator does. Processes it started by hand (exec) are killed when it is disposed.
/// </summary>
internal sealed class ScenarioDriver(BenchCluster cluster, ScenarioHistory history) : IAsyncDisposable
{
    private readonly HashSet<string> _unreachable = new(StringComparer.Ordinal); // frozen or isolated: not asked to act
    private readonly Dictionary<ProcessTarget, int> _frozen = [];
    private readonly Dictionary<string, Process> _execs = new(StringComparer.Ordinal);

    /// <summary>
    /// When the last action took effect: the signal sent, or the request made. Expectations are timed from
    /// it, so that finding a process (an admin call) does not count against the cluster.
    /// </summary>
    public DateTimeOffset ActedAt { get; private set; }

    /// <summary>Does what the step says; answers a detail worth printing (which process), or null.</summary>
    /// <exception cref="ScenarioStepException">The step cannot be carried out (no such process, the cluster refused).</exception>
    public async Task<string?> RunAsync(ScenarioStep step, CancellationToken cancellationToken)
    {
        try
        {
            ActedAt = DateTimeOffset.UtcNow;
            return await DoAsync(step, cancellationToken).ConfigureAwait(false);
        }
        catch (Protocol.ClusterException e)
        {
            throw new ScenarioStepException($"the cluster refused it: {e.Message}");
        }
    }

    private async Task<string?> DoAsync(ScenarioStep step, CancellationToken cancellationToken)
    {
        switch (step)
        {
            case SignalStep signal:
                return await SignalAsync(signal, cancellationToken).ConfigureAwait(false);
            case StartNodeStep start:
                if (cluster.IsRunning(start.Node))
                {
                    throw new ScenarioStepException($"node {start.Node} is running: kill it first");
                }

                await cluster.RestartAsync(start.Node, cancellationToken).ConfigureAwait(false);
                _unreachable.Remove(start.Node);
                return $"process {cluster.Pid(start.Node)}";
            case IsolateStep isolate:
                await cluster.IsolateAsync(isolate.Node, isolate.Isolated, cancellationToken).ConfigureAwait(false);
                _ = isolate.Isolated ? _unreachable.Add(isolate.Node) : _unreachable.Remove(isolate.Node);
                return null;
            case PauseStep pause:
                await ChangeAsync(new PauseNodeRequest { Name = pause.Node, Drain = pause.Drain }, cancellationToken).ConfigureAwait(false);
                return null;
            case ResumeStep resume:
                await ChangeAsync(new ResumeNodeRequest { Name = resume.Node, Failback = resume.Failback }, cancellationToken).ConfigureAwait(false);
                return null;
            case MoveStep move:
                await ChangeAsync(new MoveGroupRequest { Group = move.Group, To = move.To ?? string.Empty }, cancellationToken).ConfigureAwait(false);
                return null;
            case FailStep fail:
                using (var client = Client())
                {
                    await client.FailResource(new FailResourceRequest { Resource = fail.Resource }, cancellationToken).ConfigureAwait(false);
                }

                return null;
            case SetStep set:
                await ChangeAsync(set.Kind switch
                {
                    SubjectKind.Group => new SetGroupRequest { Name = set.Name, Settings = { set.Settings.ToDictionary() } },
                    SubjectKind.Resource => new SetResourceRequest { Name = set.Name, Settings = { set.Settings.ToDictionary() } },
                    _ => new SetNodeRequest { Name = set.Name, Settings = { set.Settings.ToDictionary() } },
                }, cancellationToken).ConfigureAwait(false);
                return null;
            case ControlStep control:
                using (var client = Client())
                {
                    var output = await client.ControlResource(
                        new ControlResourceRequest { Resource = control.Resource, Code = control.Code, Arguments = { control.Arguments.ToDictionary() } },
                        cancellationToken).ConfigureAwait(false);
                    return output.Output.Count switch
                    {
                        0 => null,
                        <= 3 => string.Join(", ", output.Output.Select(o => $"{o.Key}={o.Value}")),
                        var n => $"{n} values in its answer",
                    };
                }

            case PersistentStateStep state:
                using (var client = Client())
                {
                    var request = new SetPersistentStateRequest { Online = state.Online };
                    if (state.Kind == SubjectKind.Group)
                    {
                        request.Group = state.Name;
                    }
                    else
                    {
                        request.Resource = state.Name;
                    }

                    await client.SetPersistentState(request, cancellationToken).ConfigureAwait(false);
                }

                return null;
            case ExecStep exec:
                var process = Exec(exec.CommandLine);
                _execs[exec.Name] = process;
                return $"process {process.Id}";
            default:
                throw new InvalidOperationException($"{step.GetType().Name} is not an action.");
        }
    }

    private async Task<string> SignalAsync(SignalStep step, CancellationToken cancellationToken)
    {
        var target = step.Target;
        if (target.Kind == ProcessKind.Node)
        {
            if (!cluster.IsRunning(target.Name))
            {
                throw new ScenarioStepException($"node {target.Name} is not running");
            }

            var pid = cluster.Pid(target.Name);
            ActedAt = DateTimeOffset.UtcNow;
            switch (step.Signal)
            {
                case SignalKind.Kill:
                    Signals.Thaw(pid); // a frozen node dies as well, and its exit notification comes at once
                    cluster.Kill(target.Name);
                    break;
                case SignalKind.Freeze:
                    Signals.Freeze(pid);
                    _unreachable.Add(target.Name);
                    break;
                default:
                    Signals.Thaw(pid);
                    _unreachable.Remove(target.Name);
                    break;
            }

            return $"process {pid}";
        }

        int found;
        string where = string.Empty;
        if (step.Signal == SignalKind.Thaw && _frozen.Remove(target, out var frozen))
        {
            found = frozen; // a frozen process cannot be asked for, and its node may be frozen with it
        }
        else if (target.Kind == ProcessKind.Exec)
        {
            found = _execs[target.Name].Id;
        }
        else
        {
            var node = target.Node ?? HostOf(target.Name)
                ?? throw new ScenarioStepException($"resource {target.Name} is not hosted on any node now");
            where = $" on {node}";
            found = (target.Kind == ProcessKind.Rhs
                ? await cluster.RhsOfAsync(node, target.Name, cancellationToken).ConfigureAwait(false)
                : await ApplicationOfAsync(node, target.Name, cancellationToken).ConfigureAwait(false))
                ?? throw new ScenarioStepException($"node {node} has no {(target.Kind == ProcessKind.Rhs ? "RHS" : "application process")} for resource {target.Name}");
        }

        ActedAt = DateTimeOffset.UtcNow;
        var sent = step.Signal switch
        {
            SignalKind.Kill => Signals.TrySend(found, Signals.Continue) && Signals.TrySend(found, Signals.KillSignal),
            SignalKind.Freeze => Signals.TrySend(found, Signals.Stop),
            _ => Signals.TrySend(found, Signals.Continue),
        };
        if (!sent)
        {
            throw new ScenarioStepException($"process {found} has exited");
        }

        if (step.Signal == SignalKind.Freeze)
        {
            _frozen[target] = found;
        }
        else
        {
            _frozen.Remove(target);
        }

        return $"process {found.ToString(CultureInfo.InvariantCulture)}{where}";
    }

    /// <summary>The node where the resource is (or was last) not Offline, as the nodes' events say; Online first.</summary>
    private string? HostOf(string resource)
    {
        var model = new ClusterModel();
        foreach (var e in history.Snapshot())
        {
            model.Apply(e);
        }

        var states = model.StatesOf(SubjectKind.Resource, resource);
        return states.Where(s => s.Value == "Online").Select(s => s.Key).FirstOrDefault()
            ?? states.Where(s => s.Value != "Offline").Select(s => s.Key).FirstOrDefault();
    }

    /// <summary>
    /// The resource's application process on the node. Its PID reaches the node just after the resource reports
    /// Online (the DLL reports it as a property once the exec is done), so a missing one is asked for again
    /// for a few seconds before the step fails.
    /// </summary>
    private async Task<int?> ApplicationOfAsync(string node, string resource, CancellationToken cancellationToken)
    {
        using var client = cluster.Client(node);
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            var resources = await client.ListResources(cancellationToken).ConfigureAwait(false);
            if (resources.Resources.FirstOrDefault(r => r.Name == resource && r.ApplicationPid > 0)?.ApplicationPid is { } pid)
            {
                return pid;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                return null;
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ChangeAsync(Google.Protobuf.IMessage request, CancellationToken cancellationToken)
    {
        using var client = Client();
        await client.Change(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A node that can act for the administrator: running, not frozen, not isolated.</summary>
    private AdminClient Client() =>
        cluster.Client(cluster.Nodes.FirstOrDefault(n => cluster.IsRunning(n) && !_unreachable.Contains(n))
            ?? throw new ScenarioStepException("no node can take the request: every node is down, frozen or isolated"));

    /// <summary>A process outside the cluster, dying with this one (parent-death signal, armed on the fork thread).</summary>
    private static Process Exec(string commandLine)
    {
        var start = new ProcessStartInfo("/usr/bin/setpriv") { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var word in (string[])["--pdeathsig", "KILL", "--", "/bin/sh", "-c", "exec " + commandLine])
        {
            start.ArgumentList.Add(word);
        }

        start.Environment["CLUSTER_EXE"] = SelfExecutable.CommandLine();
        return Cluster.Contracts.Processes.ForkThread.Start(new Process { StartInfo = start });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pid in _frozen.Values)
        {
            Signals.TrySend(pid, Signals.Continue); // nothing is left stopped behind the run (gone already: the cluster replaced it)
        }

        foreach (var process in _execs.Values)
        {
            if (!process.HasExited)
            {
                Signals.TrySend(process.Id, Signals.Continue);
                process.Kill();
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            process.Dispose();
        }
    }
}
