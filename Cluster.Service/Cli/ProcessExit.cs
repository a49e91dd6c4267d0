using System.Runtime.InteropServices;
using Cluster.Protocol.Plugins;

namespace Cluster.Service.Cli;

/// <summary>
/// The exit of a process that is not our child (a node that an earlier `cluster` call started), from
/// the kernel's own notification: a pidfd (Linux 5.3) becomes readable when its process ends.
/// </summary>
internal static partial class ProcessExit
{
    private const int NoSuchProcess = 3; // ESRCH

    /// <summary>True once <paramref name="pid"/> has exited (or was already gone), false when <paramref name="timeout"/> passed first.</summary>
    public static Task<bool> WaitAsync(int pid, TimeSpan timeout) => Task.Factory.StartNew(
        () => Wait(pid, timeout), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static bool Wait(int pid, TimeSpan timeout)
    {
        var fd = PidFdOpen(pid, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == NoSuchProcess ? true : throw new InvalidOperationException($"pidfd_open({pid}) failed: errno {errno}");
        }

        try
        {
            return FilePoll.Ready(fd, FilePoll.Readable, (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue));
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "pidfd_open", SetLastError = true)]
    private static partial int PidFdOpen(int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
