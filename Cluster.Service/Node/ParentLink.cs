using Cluster.Contracts.Processes;

namespace Cluster.Service.Node;

/// <summary>
/// The tie between an attached node and the process that started it (`cluster up`, `node start`, a
/// benchmark): the node stops when its stdin closes, and the kernel kills it if the parent dies while it
/// cannot act. The parent may let it go once its work is done by writing <see cref="DetachLine"/>: the
/// node disarms both and runs on its own (`up --detach` after the cluster is up and its files applied, so
/// that an `up` killed while starting leaves nothing behind).
/// </summary>
internal static class ParentLink
{
    public const string DetachLine = "detach";

    /// <summary>
    /// Arms the parent-death signal against <paramref name="parentPid"/> (when known), and answers a token that
    /// fires when stdin closes, unless the parent released the node first.
    /// </summary>
    /// <remarks>
    /// Linux keeps the parent-death signal per thread: only the thread that armed it can disarm it. So this
    /// thread does both, and lives, blocked on stdin, until the node is released or its parent is gone.
    /// </remarks>
    public static CancellationToken Watch(int? parentPid, Action onReleased)
    {
        var closed = new CancellationTokenSource();
        using var armed = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            if (parentPid is { } parent)
            {
                ParentDeath.KillMeWithParent(parent); // stdin's end cannot reach a stopped node; the kernel's SIGKILL can
            }

            armed.Set();
            try
            {
                using var stdin = new StreamReader(Console.OpenStandardInput());
                while (stdin.ReadLine() is { } line)
                {
                    if (line.Trim() == DetachLine)
                    {
                        ParentDeath.Release();
                        onReleased();
                        return;
                    }
                }
            }
            catch (IOException)
            {
                // A broken pipe means the same as end-of-file: the parent is gone.
            }

            closed.Cancel();
        })
        {
            IsBackground = true,
            Name = "parent-link",
        };
        thread.Start();
        armed.Wait(); // armed before the node does anything else
        return closed.Token;
    }
}
