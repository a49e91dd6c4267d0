using System.Collections.Concurrent;

namespace Cluster.Service.Bench;

/// <summary>
/// Judges safety from the real processes, not from the cluster's view: every couple of milliseconds it
/// counts the running processes of each marked application, and any moment with more than one is a
/// violation (a group's application on two nodes at once).
/// </summary>
internal sealed class DoubleRunSampler : IAsyncDisposable
{
    private readonly Dictionary<string, string[]> _applications;
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly TimeSpan _interval;

    /// <param name="applications">A name for each application, and the command line its process has.</param>
    /// <param name="interval">The pause between two samples (default 2 ms): each sample reads all of /proc.</param>
    public DoubleRunSampler(Dictionary<string, string[]> applications, TimeSpan? interval = null)
    {
        _applications = applications;
        _interval = interval ?? TimeSpan.FromMilliseconds(2);
        _loop = Task.Run(SampleAsync);
    }

    public long Samples { get; private set; }

    public IReadOnlyCollection<string> Violations => _violations;

    /// <summary>Stops sampling; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _loop;
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var (name, commandLine) in _applications)
            {
                if (ProcFs.WithCommandLine(commandLine) is { Count: > 1 } twice)
                {
                    _violations.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {name} ran as processes {string.Join(", ", twice)}");
                }
            }

            Samples++;
            try
            {
                await Task.Delay(_interval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
