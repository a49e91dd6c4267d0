using System.Runtime.InteropServices;
using Cluster.Contracts.Processes;
using Cluster.Protocol.Plugins;
using Cluster.Protocol.Rhs;
using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol.Transport;
using Cluster.Rhs;

// The Resource Hosting Subsystem. Started by a node (see docs/plugin-protocol.md), never by hand:
// it takes the node's secret from its environment, serves cluster.rhs.v1.ResourceHost on loopback,
// prints its handshake line, and exits when the node says Shutdown or goes away.
const string SecretVariable = "CLUSTER_RHS_SECRET";
const string ParentPidVariable = "CLUSTER_RHS_PARENT_PID";
const int FencedExitCode = 86; // the node's monitor manager names this exit "fenced itself"

var secret = Environment.GetEnvironmentVariable(SecretVariable);
if (string.IsNullOrEmpty(secret))
{
    Console.Error.WriteLine($"rhs: {SecretVariable} is not set. An RHS is started by its node, not by hand.");
    return 2;
}

// Applications that resources start must not inherit the secret.
Environment.SetEnvironmentVariable(SecretVariable, null);

// Die with the node even while stopped (SIGSTOP): a frozen RHS of a killed node must not keep its
// applications running. The applications' own parent-death signal then takes them with us.
_ = int.TryParse(Environment.GetEnvironmentVariable(ParentPidVariable), out var parentPid);
Environment.SetEnvironmentVariable(ParentPidVariable, null);
ParentDeath.KillMeWithParent(parentPid);
var fence = new FenceWatchdog(reason =>
{
    Console.Error.WriteLine($"rhs: {reason}");
    Console.Error.Flush();
    ParentDeath.Exit(FencedExitCode);
});

// A terminal's Ctrl-C reaches every process of its foreground group, this one too: an RHS's life is its
// node's to end (Shutdown, or the node gone), or the node would see its resources fail while it stops them.
using var ignoreCtrlC = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);
// SIGHUP's default would end it silently: a terminal's hang-up, or the kernel's to a frozen RHS whose process group was orphaned.
using var ignoreHangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
{
    context.Cancel = true;
    Console.Error.WriteLine("rhs: SIGHUP ignored: an RHS's life is its node's to end");
});
// The node pets the fence watchdog and pings us with lines on our stdin (docs/plugin-protocol.md); its end is the node's.
using var runtime = new RhsRuntime(TimeProvider.System, EntryPointWorkers.Shared);
var fromNode = new NodeLines(fence, runtime.Calls, Console.Out, Console.Error);
using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(ParentWatch.WhenStdinCloses(fromNode.Handle));
var service = new ResourceHostService(new ResourceTypeCatalog(), runtime, fence, () => shutdown.CancelAfter(TimeSpan.FromMilliseconds(50)));
var server = new GrpcHost(new GrpcHostOptions
{
    BearerToken = secret,
    Endpoints = { GrpcEndpoint.Loopback() },
});
server.AddService(ResourceHost.Descriptor, service);
await using (server)
{
    await server.StartAsync();
    Console.Out.WriteLine(new PluginHandshake("rhs", server.Endpoints[0]).ToString());
    Console.Out.Flush();
    try
    {
        await Task.Delay(Timeout.Infinite, shutdown.Token);
    }
    catch (OperationCanceledException)
    {
        // Shutdown, or the node is gone: stop what we started.
    }

    server.SetServing(ResourceHost.Descriptor.FullName, serving: false);
    await service.StopAllAsync(TimeSpan.FromSeconds(5));
}

return 0;
