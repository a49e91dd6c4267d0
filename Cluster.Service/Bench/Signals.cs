using System.Runtime.InteropServices;

namespace Cluster.Service.Bench;

/// <summary>Real signals to real processes: freeze (SIGSTOP), thaw (SIGCONT), kill (SIGKILL), interrupt (SIGINT, Ctrl-C).</summary>
internal static partial class Signals
{
    public static void Freeze(int pid) => Send(pid, 19);

    public static void Thaw(int pid) => Send(pid, 18);

    public static void Kill(int pid) => Send(pid, 9);

    public static void Interrupt(int pid) => Send(pid, 2);

    private static void Send(int pid, int signal)
    {
        if (SendSignal(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
