using System.Collections.Concurrent;
using Cluster.Contracts.Rhs.V1;
using Cluster.Contracts.Types.V1;
using Cluster.Service.Monitors;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Tests.Support;

/// <summary>A monitor manager with real RHS processes and test timings, and a record of its events.</summary>
public sealed class MonitorHarness : IAsyncDisposable
{
    public static readonly TimeSpan DeadlockTimeout = TimeSpan.FromSeconds(1);

    private readonly ConcurrentQueue<MonitorEvent> _seen = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Task _reader;

    private MonitorHarness(MonitorManager manager)
    {
        Manager = manager;
        _reader = Task.Run(async () =>
        {
            await foreach (var item in manager.Events.ReadAllAsync())
            {
                _seen.Enqueue(item);
                _arrived.Release();
            }
        });
    }

    internal MonitorManager Manager { get; }

    internal IReadOnlyList<MonitorEvent> Seen => [.. _seen];

    public static ResourceTypeRef BuiltIn(string name) =>
        new() { Name = name, DllPath = Path.Combine(AppContext.BaseDirectory, "Cluster.Resources.dll") };

    public static async Task<MonitorHarness> StartAsync()
    {
        var manager = new MonitorManager(
            new MonitorOptions { DeadlockTimeout = DeadlockTimeout, HealthPingInterval = TimeSpan.FromMilliseconds(200) },
            NullLoggerFactory.Instance);
        await manager.StartAsync(CancellationToken.None);
        return new MonitorHarness(manager);
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
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            if (_seen.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail($"No event for {what}. Seen:\n{string.Join("\n", _seen)}");
            }

            await _arrived.WaitAsync(left);
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
        await Manager.DisposeAsync();
        await _reader;
        _arrived.Dispose();
    }
}
