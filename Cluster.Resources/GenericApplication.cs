using System.Net.Sockets;
using System.Text;
using Cluster.Contracts.Resources;

namespace Cluster.Resources;

/// <summary>
/// Runs a command line as a clustered application (WSFC's Generic Application). LooksAlive: the
/// process is running, learnt from its exit notification, which is also reported as a failure at
/// once. IsAlive: running, and when configured, a TCP health probe answers (with the expected banner).
/// The application runs as a whole process tree (<see cref="ApplicationTree"/>): Offline, Terminate and
/// the RHS's death end every process it started.
/// </summary>
[ResourceType("GenericApplication")]
[ResourceProperty("CommandLine", ResourcePropertyKind.Text, Required = true, Description = "The command line that starts the application")]
[ResourceProperty("CurrentDirectory", ResourcePropertyKind.Text, Description = "Its working directory")]
[ResourceProperty("HealthCheckPort", ResourcePropertyKind.Number, DefaultValue = "0", Minimum = 0, Maximum = 65535,
    Description = "A TCP port on 127.0.0.1 that IsAlive connects to (0: no probe)")]
[ResourceProperty("HealthCheckBanner", ResourcePropertyKind.Text, Description = "Text the probe must read first (e.g. an SMTP banner)")]
[ResourceProperty("HealthCheckTimeoutMs", ResourcePropertyKind.Number, DefaultValue = "1000", Minimum = 1, Maximum = 600_000,
    Description = "How long the probe waits to connect and for the banner")]
[ResourceProperty("StopGracePeriodMs", ResourcePropertyKind.Number, DefaultValue = "5000", Minimum = 0, Maximum = 600_000,
    Description = "How long Offline waits after SIGTERM before it kills")]
public sealed class GenericApplication : Resource
{
    public const string ProcessIdProperty = "ProcessId";

    private readonly Lock _lock = new();
    private ApplicationTree? _tree;
    private bool _stopping;

    public override ResourceState Online()
    {
        lock (_lock)
        {
            if (_tree is { Launcher.HasExited: false })
            {
                return ResourceState.Online; // never twice
            }

            _tree?.Dispose();
            _stopping = false;
            var tree = ApplicationTree.Start(
                Context.Properties.GetString("CommandLine")!, Context.Properties.GetString("CurrentDirectory"));
            tree.Launcher.Exited += (_, _) => OnExited(tree);
            _tree = tree;
            Context.SetReadOnlyProperty(ProcessIdProperty, tree.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Context.Log(ResourceLogLevel.Information, $"started process {tree.Pid} ({ApplicationTree.Containment})");
            if (tree.Launcher.HasExited)
            {
                OnExited(tree);
                return ResourceState.Failed;
            }
        }

        return ResourceState.Online;
    }

    /// <summary>SIGTERM, then the whole tree is killed after StopGracePeriodMs (or at once when the application cannot be asked).</summary>
    public override ResourceState Offline()
    {
        var tree = BeginStop();
        if (tree is null)
        {
            return ResourceState.Offline;
        }

        var grace = TimeSpan.FromMilliseconds(Context.Properties.GetInteger("StopGracePeriodMs") ?? 5000);
        if (!tree.RequestStop() || !tree.Launcher.WaitForExit(grace))
        {
            tree.Kill();
        }

        tree.EndLeftovers();
        return ResourceState.Offline;
    }

    /// <summary>The whole tree, at once.</summary>
    public override void Terminate()
    {
        if (BeginStop() is { } tree)
        {
            tree.Kill();
        }
    }

    public override void Close() => Terminate();

    public override bool LooksAlive()
    {
        lock (_lock)
        {
            return _tree is { Launcher.HasExited: false };
        }
    }

    public override bool IsAlive()
    {
        if (!LooksAlive())
        {
            return false;
        }

        var port = (int)(Context.Properties.GetInteger("HealthCheckPort") ?? 0);
        return port == 0 || Probe(port);
    }

    /// <summary>From here on the application's exit is expected, not a failure.</summary>
    private ApplicationTree? BeginStop()
    {
        lock (_lock)
        {
            _stopping = true;
            return _tree;
        }
    }

    private bool Probe(int port)
    {
        var timeout = TimeSpan.FromMilliseconds(Context.Properties.GetInteger("HealthCheckTimeoutMs") ?? 1000);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            using var client = new TcpClient();
            client.ConnectAsync("127.0.0.1", port, cancel.Token).AsTask().GetAwaiter().GetResult();
            var banner = Context.Properties.GetString("HealthCheckBanner");
            if (banner is null)
            {
                return true;
            }

            var buffer = new byte[1024];
            var received = new StringBuilder();
            var stream = client.GetStream();
            while (!received.ToString().Contains(banner, StringComparison.Ordinal))
            {
                var read = stream.ReadAsync(buffer, cancel.Token).AsTask().GetAwaiter().GetResult();
                if (read == 0)
                {
                    break;
                }

                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }

            var found = received.ToString().Contains(banner, StringComparison.Ordinal);
            if (!found)
            {
                Context.Log(ResourceLogLevel.Warning, $"health probe on port {port} read no '{banner}'");
            }

            return found;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            Context.Log(ResourceLogLevel.Warning, $"health probe on port {port} failed: {e.Message}");
            return false;
        }
    }

    private void OnExited(ApplicationTree tree)
    {
        bool expected;
        lock (_lock)
        {
            expected = _stopping || !ReferenceEquals(tree, _tree);
        }

        tree.EndLeftovers(); // a child that outlived its main process goes before any restart
        Context.SetReadOnlyProperty(ProcessIdProperty, string.Empty);
        if (!expected)
        {
            Context.ReportFailure($"application process {tree.Pid} exited with code {tree.Launcher.ExitCode}");
        }
    }
}
