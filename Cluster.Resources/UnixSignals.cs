using System.Runtime.InteropServices;

namespace Cluster.Resources;

/// <summary>SIGTERM for a graceful stop: .NET's Process.Kill only sends SIGKILL.</summary>
internal static partial class UnixSignals
{
    private const int SigTerm = 15;

    public static bool Terminate(int pid) => !OperatingSystem.IsWindows() && Kill(pid, SigTerm) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
