using System.Runtime.InteropServices;

namespace Cluster.Service.Bench;

/// <summary>Real signals to real processes: freeze (SIGSTOP), thaw (SIGCONT), kill (SIGKILL), interrupt (SIGINT, Ctrl-C), hang-up (SIGHUP).</summary>
internal static partial class Signals
{
    public static void Freeze(int pid) => Send(pid, Stop);

    public static void Thaw(int pid) => Send(pid, Continue);

    public static void Kill(int pid) => Send(pid, KillSignal);

    public static void Interrupt(int pid) => Send(pid, 2);

    public const int HangUp = 1;
    public const int Stop = 19;
    public const int Continue = 18;
    public const int KillSignal = 9;
    public const int Terminate = 15;

    /// <summary>Sends a signal; false when the process is gone (ESRCH), which a process that exited meanwhile is.</summary>
    /// <exception cref="InvalidOperationException">Any other error (no permission, a bad signal).</exception>
    public static bool TrySend(int pid, int signal)
    {
        const int noSuchProcess = 3;
        if (SendSignal(pid, signal) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == noSuchProcess ? false : throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {errno}");
    }

    private static void Send(int pid, int signal)
    {
        if (!TrySend(pid, signal))
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: no such process");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
