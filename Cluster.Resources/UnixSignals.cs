using System.Runtime.InteropServices;

namespace Cluster.Resources;

/// <summary>Signals by number, to a process or (negative ID) a process group: .NET's Process.Kill only sends SIGKILL to one process.</summary>
internal static partial class UnixSignals
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    public static bool Send(int pid, int signal) => !OperatingSystem.IsWindows() && Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
