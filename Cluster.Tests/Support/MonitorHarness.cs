using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol.Types.V1;
using Cluster.Service.Monitors;
using Cluster.Service.Rcm;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Tests.Support;

/// <summary>A monitor manager with real RHS processes and test timings, and a record of its events.</summary>
public sealed class MonitorHarness : IAsyncDisposable
{
    public static readonly TimeSpan DeadlockTimeout = TimeSpan.FromSeconds(1);

    private readonly MonitorEventRecorder _recorder;

    private MonitorHarness(MonitorManager manager, bool withRcm)
    {
        Manager = manager;
        Rcm = withRcm ? new ResourceControlManager(manager, TimeProvider.System, NullLoggerFactory.Instance) : null;
        _recorder = new MonitorEventRecorder(manager, Rcm is null ? null : Rcm.OnMonitorEvent);
    }

    internal MonitorManager Manager { get; }

    /// <summary>The resource control manager, when the harness was started with one.</summary>
    internal ResourceControlManager? Rcm { get; }

    internal IReadOnlyList<MonitorEvent> Seen => _recorder.Seen;

    public static ResourceTypeRef BuiltIn(string name) =>
        new() { Name = name, DllPath = Path.Combine(AppContext.BaseDirectory, "Cluster.Resources.dll") };

    /// <param name="withRcm">Whether to run a resource control manager over the monitors.</param>
    /// <param name="mayAct">Whether the node may start anything under a lease (default: always), as membership answers it.</param>
    internal static async Task<MonitorHarness> StartAsync(bool withRcm = false, Func<long, bool>? mayAct = null)
    {
        var manager = new MonitorManager(
            new MonitorOptions
            {
                DeadlockTimeout = DeadlockTimeout,
                HealthPingInterval = TimeSpan.FromMilliseconds(200),
                HealthTimeout = TimeSpan.FromMilliseconds(400),
                MayAct = mayAct ?? (static _ => true),
            },
            NullLoggerFactory.Instance);
        await manager.StartAsync(CancellationToken.None);
        return new MonitorHarness(manager, withRcm);
    }

    internal static ResourceSpec Spec(string name, string type, Dictionary<string, string>? properties = null, bool separate = false) => new()
    {
        Name = name,
        Type = BuiltIn(type),
        Properties = properties ?? [],
        SeparateMonitor = separate,
        DeadlockTimeout = DeadlockTimeout,
        LooksAlivePollInterval = TimeSpan.FromMilliseconds(200),
        IsAlivePollInterval = TimeSpan.FromMilliseconds(500),
        PendingTimeout = TimeSpan.FromSeconds(1),
    };

    internal async Task OnlineAsync(ResourceSpec spec)
    {
        await Manager.OpenAsync(spec);
        Assert.That(await Manager.OnlineAsync(spec.Name), Is.EqualTo(ResourceState.Online), spec.Name);
    }

    /// <summary>Waits for an event that matches, among those seen so far and those to come.</summary>
    internal async Task<MonitorEvent> WaitForAsync(Func<MonitorEvent, bool> match, string what, TimeSpan? timeout = null)
    {
        try
        {
            return (await _recorder.WaitForAsync(match, what, timeout ?? TimeSpan.FromSeconds(15))).Event;
        }
        catch (TimeoutException e)
        {
            Assert.Fail(e.Message);
            throw;
        }
    }

    internal int? ApplicationPid(string resource) =>
        Manager.ListResources().Single(r => r.Name == resource).ApplicationPid;

    /// <summary>The application's PID, which arrives on the event stream shortly after Online answers.</summary>
    internal async Task<int> WaitForApplicationPidAsync(string resource)
    {
        var pid = await Eventually.Until(
            () => Task.FromResult(ApplicationPid(resource)?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            TimeSpan.FromSeconds(10), $"{resource}'s application PID");
        return int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (Rcm is not null)
        {
            await Rcm.DisposeAsync();
        }

        await Manager.DisposeAsync();
        await _recorder.DisposeAsync();
    }
}
