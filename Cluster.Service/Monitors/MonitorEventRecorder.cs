using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cluster.Service.Monitors;

/// <summary>
/// Reads a monitor manager's events and keeps them, each with the moment it arrived, so that a
/// caller can wait for one: benchmarks time recoveries with it, tests assert on it.
/// </summary>
internal sealed class MonitorEventRecorder : IAsyncDisposable
{
    private readonly ConcurrentQueue<(MonitorEvent Event, long ArrivedAt)> _seen = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Task _reader;

    /// <param name="manager">Whose events to read (this becomes their one reader).</param>
    /// <param name="forward">Also receives each event as it arrives (e.g. the RCM).</param>
    public MonitorEventRecorder(MonitorManager manager, Action<MonitorEvent>? forward = null)
    {
        _reader = Task.Run(async () =>
        {
            await foreach (var item in manager.Events.ReadAllAsync().ConfigureAwait(false))
            {
                _seen.Enqueue((item, Stopwatch.GetTimestamp()));
                forward?.Invoke(item);
                _arrived.Release();
            }
        });
    }

    public IReadOnlyList<MonitorEvent> Seen => [.. _seen.Select(s => s.Event)];

    /// <summary>The first event that matches, among those seen and those to come, with its arrival timestamp.</summary>
    /// <exception cref="TimeoutException">None arrived in time; the message lists what did.</exception>
    public async Task<(MonitorEvent Event, long ArrivedAt)> WaitForAsync(Func<MonitorEvent, bool> match, string what, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            foreach (var seen in _seen)
            {
                if (match(seen.Event))
                {
                    return seen;
                }
            }

            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No event for {what} within {timeout.TotalSeconds:0.#} s. Seen:\n{string.Join("\n", Seen)}");
            }

            await _arrived.WaitAsync(left).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the manager's event stream to end (the manager disposed first).</summary>
    public async ValueTask DisposeAsync()
    {
        await _reader.ConfigureAwait(false);
        _arrived.Dispose();
    }
}
