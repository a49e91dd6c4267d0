using System.Diagnostics;
using System.Security.Cryptography;
using Cluster.Protocol.Transport;
using Cluster.Protocol.Plugins;

namespace Cluster.Service.Monitors;

/// <summary>One incarnation of an RHS process: the child, its client, and its secret.</summary>
internal sealed class RhsProcess : IAsyncDisposable
{
    public const string SecretVariable = "CLUSTER_RHS_SECRET";

    /// <summary>The node's PID, so that the RHS can check that its parent-death signal was armed in time.</summary>
    public const string ParentPidVariable = "CLUSTER_RHS_PARENT_PID";

    /// <summary>What an RHS exits with when its fence watchdog fired (Cluster.Rhs/Program.cs).</summary>
    public const int FencedExitCode = 86;

    private readonly CancellationTokenSource _stopping = new();

    private readonly string _secret;
    private readonly RhsPings _pings;
    private readonly Lock _eventsLock = new();
    private ulong _eventsHandled;
    private TaskCompletionSource _eventHandled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RhsProcess(PluginProcess plugin, RhsClient client, RhsName name, string secret, RhsPings pings)
    {
        _pings = pings;
        Plugin = plugin;
        Client = client;
        Name = name;
        _secret = secret;
    }

    public PluginProcess Plugin { get; }

    public RhsClient Client { get; }

    public int Pid => Plugin.Pid;

    /// <summary>Its name in traces; a monitor that takes it sets its role.</summary>
    public RhsName Name { get; }

    public Task<int> Exited => Plugin.Exited;

    /// <summary>Cancelled when this incarnation is being replaced or stopped: its loops end.</summary>
    public CancellationToken Stopping => _stopping.Token;

    private static int s_started;

    public static async Task<RhsProcess> StartAsync(MonitorOptions options, CancellationToken cancellationToken)
    {
        var label = $"rhs-{Interlocked.Increment(ref s_started)}";
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var pings = new RhsPings();
        var start = new PluginStartInfo
        {
            FileName = options.RhsPath,
            Kind = "rhs",
            Environment =
            {
                [SecretVariable] = secret,
                [ParentPidVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            OnOutput = line =>
            {
                if (!pings.TryReceive(line))
                {
                    options.OnRhsOutput?.Invoke(label, line);
                }
            },
        };
        foreach (var (variable, value) in options.RhsEnvironment)
        {
            start.Environment[variable] = value;
        }

        if (!File.Exists(options.RhsPath))
        {
            throw new InvalidOperationException($"The RHS executable {options.RhsPath} does not exist.");
        }

        var plugin = await PluginProcess.StartAsync(start, cancellationToken).ConfigureAwait(false);
        var name = new RhsName(label) { Pid = plugin.Pid };
        var connection = GrpcConnection.Open(plugin.Handshake.Endpoint, new GrpcConnectionOptions
        {
            BearerToken = secret,
            Observer = options.RhsCallObserver?.Invoke(name),
        });
        return new RhsProcess(plugin, new RhsClient(connection), name, secret, pings);
    }

    /// <summary>
    /// Another client of this RHS, on a connection of its own with <paramref name="observer"/> (or none):
    /// for comparing the same calls to the same process with and without an observer.
    /// </summary>
    public RhsClient OpenClient(Protocol.Transport.Observability.GrpcCallObserver? observer) =>
        new(GrpcConnection.Open(Plugin.Handshake.Endpoint, new GrpcConnectionOptions { BearerToken = _secret, Observer = observer }));

    public void StopLoops() => _stopping.Cancel();

    /// <summary>The node has handled this RHS's event <paramref name="sequence"/> (and every one before it).</summary>
    public void EventHandled(ulong sequence)
    {
        TaskCompletionSource handled;
        lock (_eventsLock)
        {
            _eventsHandled = Math.Max(_eventsHandled, sequence);
            handled = _eventHandled;
            _eventHandled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        handled.TrySetResult();
    }

    /// <summary>
    /// Completes once every event up to <paramref name="sequence"/> has been handled, so that what a DLL
    /// logged or reported during a call comes before the node acts on the call's answer. Bounded by
    /// <paramref name="patience"/>: a stream that broke must not hold the answer back.
    /// </summary>
    public async Task EventsHandledAsync(ulong sequence, TimeSpan patience)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(patience.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            Task next;
            lock (_eventsLock)
            {
                if (_eventsHandled >= sequence)
                {
                    return;
                }

                next = _eventHandled.Task;
            }

            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero || await Task.WhenAny(next, Task.Delay(left, Stopping)).ConfigureAwait(false) != next)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The health ping, over the RHS's pipes (<see cref="RhsPings"/>): its PID and the entry-point calls it has in flight.
    /// </summary>
    /// <exception cref="Protocol.ClusterException">DeadlineExceeded: no answer within <paramref name="timeout"/>; Unavailable: it exited.</exception>
    public Task<Protocol.Rhs.V1.PingResponse> PingAsync(TimeSpan timeout) => _pings.AskAsync(Plugin, timeout);

    /// <summary>The watchdog pet, as a line on the RHS's stdin: never waits, and an RHS that does not read loses only old pets.</summary>
    public void Pet(TimeSpan validFor, long lease) => Plugin.SendLine(Protocol.Rhs.PetLine.Format(validFor, lease));

    /// <summary>SIGKILL to the RHS and everything it started.</summary>
    public void Kill() => Plugin.Kill();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Plugin.DisposeAsync().ConfigureAwait(false);
        Client.Dispose();
        _stopping.Dispose();
    }
}
