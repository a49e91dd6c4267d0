using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using Cluster.Contracts.Resources;

namespace Cluster.Resources;

/// <summary>
/// A resource that misbehaves on request, for testing what the cluster does about it (the idea of
/// Pacemaker's Dummy agent with op_sleep and fail_start_on). Its behaviour comes from its properties
/// and changes live with the control code <c>Set</c> (same names and checks); <c>Get</c> shows it, and
/// <c>Checks</c> says how many LooksAlive and IsAlive calls it has had since it was opened.
/// </summary>
[ResourceType("FaultInjection")]
[ResourceProperty("OnlineDelayMs", ResourcePropertyKind.Number, DefaultValue = "0", Minimum = 0, Maximum = 3_600_000, Description = "Time Online takes")]
[ResourceProperty("OfflineDelayMs", ResourcePropertyKind.Number, DefaultValue = "0", Minimum = 0, Maximum = 3_600_000, Description = "Time Offline takes")]
[ResourceProperty("TerminateDelayMs", ResourcePropertyKind.Number, DefaultValue = "0", Minimum = 0, Maximum = 3_600_000, Description = "Time Terminate takes")]
[ResourceProperty("FailOnline", ResourcePropertyKind.Boolean, DefaultValue = "false", Description = "Online answers Failed")]
[ResourceProperty("FailOffline", ResourcePropertyKind.Boolean, DefaultValue = "false", Description = "Offline answers Failed")]
[ResourceProperty("PendingSteps", ResourcePropertyKind.Number, DefaultValue = "0", Minimum = 0, Maximum = 10_000,
    Description = "Online answers OnlinePending, then reports this many progress steps before Online")]
[ResourceProperty("PendingStepMs", ResourcePropertyKind.Number, DefaultValue = "100", Minimum = 1, Maximum = 3_600_000, Description = "Time between progress steps")]
[ResourceProperty("PendingStall", ResourcePropertyKind.Boolean, DefaultValue = "false",
    Description = "After its steps, stay pending forever with no more progress")]
[ResourceProperty("FailAfterMs", ResourcePropertyKind.Number, DefaultValue = "0", Minimum = 0, Maximum = 3_600_000,
    Description = "Once online, report a failure on its own after this time (0: never)")]
[ResourceProperty("CrashIn", ResourcePropertyKind.Text, DefaultValue = "", Description = "Entry point that crashes the whole RHS (Environment.FailFast)")]
[ResourceProperty("HangIn", ResourcePropertyKind.Text, DefaultValue = "", Description = "Entry point that never returns")]
[ResourceProperty("FlapIntervalMs", ResourcePropertyKind.Number, DefaultValue = "0", Minimum = 0, Maximum = 3_600_000,
    Description = "IsAlive alternates between alive and dead every this many ms (0: steady)")]
public sealed class FaultInjection : Resource
{
    private static readonly Dictionary<string, ResourcePropertyAttribute> s_declarations =
        typeof(FaultInjection).GetCustomAttributes<ResourcePropertyAttribute>().ToDictionary(p => p.Name, StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, string> _behaviour = new(StringComparer.Ordinal);
    // Bumped by every Online, Offline and Terminate: background work of an older Online stops reporting.
    private int _generation;
    private long _looksAliveCalls;
    private long _isAliveCalls;

    public override void Open()
    {
        foreach (var (key, value) in Context.Properties.Values)
        {
            _behaviour[key] = value;
        }

        var set = _behaviour.Where(b => (s_declarations[b.Key].DefaultValue ?? string.Empty) != b.Value).Select(b => $"{b.Key}={b.Value}").ToList();
        Context.Log(ResourceLogLevel.Information, set.Count == 0 ? "opened: behaves" : $"opened: {string.Join(", ", set)}");
        Misbehave(nameof(Open));
    }

    public override ResourceState Online()
    {
        Misbehave(nameof(Online));
        Sleep(Number("OnlineDelayMs"));
        if (Flag("FailOnline"))
        {
            return ResourceState.Failed;
        }

        var generation = Interlocked.Increment(ref _generation);
        var steps = Number("PendingSteps");
        if (steps > 0)
        {
            _ = Task.Run(() => ReportPendingAsync(steps, generation));
            return ResourceState.OnlinePending;
        }

        StartFailTimer(generation);
        Context.Log(ResourceLogLevel.Information, "online");
        return ResourceState.Online;
    }

    public override ResourceState Offline()
    {
        Misbehave(nameof(Offline));
        Interlocked.Increment(ref _generation);
        Sleep(Number("OfflineDelayMs"));
        return Flag("FailOffline") ? ResourceState.Failed : ResourceState.Offline;
    }

    public override void Terminate()
    {
        Misbehave(nameof(Terminate));
        Interlocked.Increment(ref _generation);
        Sleep(Number("TerminateDelayMs"));
        Context.Log(ResourceLogLevel.Information, "terminated");
    }

    public override void Close()
    {
        Misbehave(nameof(Close));
        Interlocked.Increment(ref _generation);
    }

    public override bool LooksAlive()
    {
        Interlocked.Increment(ref _looksAliveCalls);
        Misbehave(nameof(LooksAlive));
        return true;
    }

    public override bool IsAlive()
    {
        Interlocked.Increment(ref _isAliveCalls);
        Misbehave(nameof(IsAlive));
        var flap = Number("FlapIntervalMs");
        return flap == 0 || Environment.TickCount64 / flap % 2 == 0;
    }

    public override IReadOnlyDictionary<string, string> ResourceControl(string code, IReadOnlyDictionary<string, string> arguments)
    {
        Misbehave(nameof(ResourceControl));
        switch (code)
        {
            case "Get":
                return new Dictionary<string, string>(_behaviour);
            case "Checks":
                return new Dictionary<string, string>
                {
                    ["LooksAlive"] = Interlocked.Read(ref _looksAliveCalls).ToString(CultureInfo.InvariantCulture),
                    ["IsAlive"] = Interlocked.Read(ref _isAliveCalls).ToString(CultureInfo.InvariantCulture),
                };
            case "Set":
                // Validate everything first: a bad value changes nothing.
                foreach (var (key, value) in arguments)
                {
                    if (!s_declarations.TryGetValue(key, out var declaration))
                    {
                        throw new ArgumentException($"FaultInjection has no property {key}");
                    }

                    if (ResourceProperties.Validate(declaration, value) is { } error)
                    {
                        throw new ArgumentException(error);
                    }
                }

                foreach (var (key, value) in arguments)
                {
                    _behaviour[key] = value;
                }

                Context.Log(ResourceLogLevel.Information, $"behaviour set: {string.Join(", ", arguments.Select(a => $"{a.Key}={a.Value}"))}");
                return new Dictionary<string, string>(_behaviour);
            default:
                throw new NotSupportedException($"FaultInjection knows the control codes Get, Set and Checks, not '{code}'");
        }
    }

    private async Task ReportPendingAsync(long steps, int generation)
    {
        var interval = TimeSpan.FromMilliseconds(Number("PendingStepMs"));
        for (uint step = 1; step <= steps; step++)
        {
            await Task.Delay(interval).ConfigureAwait(false);
            if (!IsCurrent(generation))
            {
                return; // Offline or Terminate came first
            }

            Context.ReportState(ResourceState.OnlinePending, step, $"step {step} of {steps}");
        }

        if (Flag("PendingStall"))
        {
            return; // pending forever: the RHS's PendingTimeout must catch it
        }

        await Task.Delay(interval).ConfigureAwait(false);
        if (IsCurrent(generation))
        {
            Context.ReportState(ResourceState.Online);
            StartFailTimer(generation);
        }
    }

    private void StartFailTimer(int generation)
    {
        var failAfter = Number("FailAfterMs");
        if (failAfter > 0)
        {
            _ = Task.Delay(TimeSpan.FromMilliseconds(failAfter)).ContinueWith(
                _ =>
                {
                    if (IsCurrent(generation))
                    {
                        Context.ReportFailure($"injected failure after {failAfter} ms");
                    }
                },
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    private bool IsCurrent(int generation) => Volatile.Read(ref _generation) == generation;

    private void Misbehave(string entryPoint)
    {
        if (Text("CrashIn") == entryPoint)
        {
            Environment.FailFast($"FaultInjection {Context.ResourceName}: injected crash in {entryPoint}");
        }

        if (Text("HangIn") == entryPoint)
        {
            Context.Log(ResourceLogLevel.Warning, $"hanging in {entryPoint} on purpose");
            new ManualResetEventSlim(false).Wait(); // a real hung thread, forever
        }
    }

    private static void Sleep(long milliseconds)
    {
        if (milliseconds > 0)
        {
            Task.Delay(TimeSpan.FromMilliseconds(milliseconds)).Wait();
        }
    }

    private string Text(string name) => _behaviour.TryGetValue(name, out var value) ? value : string.Empty;

    private long Number(string name) => long.TryParse(Text(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private bool Flag(string name) => Text(name).ToLowerInvariant() is "true" or "1" or "yes";
}
