using System.Runtime.InteropServices;

namespace Cluster.Service.Node;

/// <summary>
/// A fault injected into one of the node's own loops, for testing what the cluster does when a node's
/// driver fails (it must end the node loudly, and the cluster must recover its groups). Armed by
/// SIGUSR1 when the node was started with <see cref="Variable"/> naming the loop (`feed` or
/// `coordinator`): that loop throws on its next pass. Without the variable SIGUSR1 keeps its default
/// (it ends the process), so nothing changes for a node that did not ask for it.
/// </summary>
internal static class InjectedFault
{
    public const string Variable = "CLUSTER_INJECT_LOOP_FAULT";
    public const string FeedLoop = "feed";
    public const string CoordinatorLoop = "coordinator";

    private const int SigUsr1 = 10;
    private static volatile string? s_armed;

    /// <summary>Held for the process's life: the handler lives as long as it does.</summary>
    private static PosixSignalRegistration? Registration { get; set; }

    /// <summary>Listens for SIGUSR1 if the variable names a loop; <paramref name="wake"/> makes the loops look at once.</summary>
    public static void ListenIfAsked(Action wake)
    {
        var loop = Environment.GetEnvironmentVariable(Variable);
        if (loop is not (FeedLoop or CoordinatorLoop) || !OperatingSystem.IsLinux())
        {
            return;
        }

        Registration = PosixSignalRegistration.Create((PosixSignal)SigUsr1, context =>
        {
            context.Cancel = true;
            s_armed = loop;
            wake();
        });
    }

    /// <exception cref="InvalidOperationException">The fault was armed for <paramref name="loop"/>.</exception>
    public static void ThrowIfArmed(string loop)
    {
        if (s_armed == loop)
        {
            throw new InvalidOperationException($"A fault was injected into the {loop} loop (SIGUSR1 with {Variable}={loop}).");
        }
    }
}
