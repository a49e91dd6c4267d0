using System.Runtime.InteropServices;
using Cluster.Protocol.Plugins;

namespace Cluster.Service;

/// <summary>
/// A process that is not our child (a node that an earlier `cluster` call started), held by a pidfd
/// (Linux 5.3): signals reach that process and no other even if its PID is reused meanwhile, and its end
/// is the kernel's own notification (the pidfd becomes readable), not a poll of /proc.
/// </summary>
internal sealed partial class ProcessHandle : IDisposable
{
    private const int NoSuchProcess = 3; // ESRCH
    private readonly int _fd;

    private ProcessHandle(int pid, int fd)
    {
        Pid = pid;
        _fd = fd;
    }

    public int Pid { get; }

    public bool HasExited => FilePoll.Ready(_fd, FilePoll.Readable, 0);

    /// <summary>A handle on <paramref name="pid"/>, or null when no such process runs.</summary>
    public static ProcessHandle? Open(int pid)
    {
        var fd = PidFdOpen(pid, 0);
        if (fd >= 0)
        {
            return new ProcessHandle(pid, fd);
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == NoSuchProcess ? null : throw new InvalidOperationException($"pidfd_open({pid}) failed: errno {errno}");
    }

    /// <summary>Sends <paramref name="signal"/>; false when the process has already exited.</summary>
    public bool Signal(int signal)
    {
        if (PidFdSendSignal(_fd, signal, IntPtr.Zero, 0) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == NoSuchProcess ? false : throw new InvalidOperationException($"pidfd_send_signal({Pid}, {signal}) failed: errno {errno}");
    }

    /// <summary>True once the process has exited, false when <paramref name="timeout"/> passed first.</summary>
    public Task<bool> WaitForExitAsync(TimeSpan timeout) => Task.Factory.StartNew(
        () => FilePoll.Ready(_fd, FilePoll.Readable, (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue)),
        CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public void Dispose() => _ = Close(_fd);

    [LibraryImport("libc", EntryPoint = "pidfd_open", SetLastError = true)]
    private static partial int PidFdOpen(int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "pidfd_send_signal", SetLastError = true)]
    private static partial int PidFdSendSignal(int pidFd, int signal, IntPtr info, uint flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
