using Microsoft.Extensions.Hosting;

namespace Cluster.Protocol.Transport;

/// <summary>
/// The host's lifetime when the process owns its signals: the generic host's console lifetime would
/// take SIGTERM and Ctrl-C for itself and stop Kestrel under a node still stopping its groups (or
/// swallow the signal in a process that waits on something else). Every process here has its own
/// termination path (System.CommandLine's, stdin's end, the parent-death signal) and stops the host.
/// </summary>
internal sealed class ProcessOwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
