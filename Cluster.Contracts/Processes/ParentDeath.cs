using System.Runtime.InteropServices;

namespace Cluster.Contracts.Processes;

/// <summary>
/// Linux's parent-death signal for the calling process: the kernel sends SIGKILL the moment the parent
/// dies, however it dies, and even while this process is stopped (SIGSTOP). A frozen child of a
/// killed parent would otherwise live on, orphaned, with everything it started.
/// </summary>
public static partial class ParentDeath
{
    private const int PrSetPdeathsig = 1;
    private const int SigKill = 9;

    /// <summary>
    /// Asks for SIGKILL when the parent dies; false where the platform has no such signal. When the
    /// expected parent is already gone (it died before the request took effect), exits at once.
    /// </summary>
    public static bool KillMeWithParent(int expectedParentPid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        if (Prctl(PrSetPdeathsig, SigKill, 0, 0, 0) != 0)
        {
            return false;
        }

        if (expectedParentPid > 0 && GetParentPid() != expectedParentPid)
        {
            Exit(70); // the parent died before the signal was armed: nothing may run without it
        }

        return true;
    }

    /// <summary>
    /// Undoes <see cref="KillMeWithParent"/> for a process its parent lets go (`cluster up --detach`, once
    /// the cluster is ready): no parent-death signal, and a session of its own, away from the parent's
    /// terminal. False where the platform has no such signal.
    /// </summary>
    public static bool Release()
    {
        if (!OperatingSystem.IsLinux() || Prctl(PrSetPdeathsig, 0, 0, 0, 0) != 0)
        {
            return false;
        }

        _ = SetSid(); // fails only for a process group leader, which a node started through a shell is not
        return true;
    }

    /// <summary>Ends the process at once: no finalizers, no exit handlers, nothing that could hang.</summary>
    public static void Exit(int code)
    {
        if (OperatingSystem.IsWindows())
        {
            Environment.Exit(code);
        }

        ExitNow(code);
    }

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentPid();

    [LibraryImport("libc", EntryPoint = "setsid")]
    private static partial int SetSid();

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ExitNow(int code);
}
