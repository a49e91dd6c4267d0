using System.Runtime.InteropServices;

namespace Cluster.Service.Cli;

/// <summary>
/// The exit of a process that is not our child (a node that an earlier `cluster` call started), from
/// the kernel's own notification: a pidfd (Linux 5.3) becomes readable when its process ends.
/// </summary>
internal static partial class ProcessExit
{
    private const int NoSuchProcess = 3; // ESRCH
    private const int Interrupted = 4; // EINTR
    private const short Readable = 1; // POLLIN

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
            var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (true)
            {
                var poll = new PollFd { Fd = fd, Events = Readable };
                var left = (int)Math.Clamp(deadline - Environment.TickCount64, 0, int.MaxValue);
                var ready = Poll(ref poll, 1, left);
                if (ready > 0)
                {
                    return true;
                }

                if (ready == 0)
                {
                    return false;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != Interrupted)
                {
                    throw new InvalidOperationException($"poll on the pidfd of {pid} failed: errno {errno}");
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Returned;
    }

    [LibraryImport("libc", EntryPoint = "pidfd_open", SetLastError = true)]
    private static partial int PidFdOpen(int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
