using System.Runtime.InteropServices;

namespace Cluster.Protocol.Plugins;

/// <summary>poll(2) on one file descriptor: whether it is ready for <c>events</c> within a timeout (Linux).</summary>
public static partial class FilePoll
{
    public const short Readable = 0x001; // POLLIN
    public const short Writable = 0x004; // POLLOUT
    private const int Interrupted = 4; // EINTR

    /// <summary>
    /// True once <paramref name="fd"/> is ready for <paramref name="events"/>, false when <paramref name="timeoutMs"/>
    /// (0: just look) passed first. A signal that interrupts the wait does not end it.
    /// </summary>
    /// <exception cref="InvalidOperationException">poll failed (errno in the message).</exception>
    public static bool Ready(int fd, short events, int timeoutMs)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            var poll = new PollFd { Fd = fd, Events = events };
            var ready = Poll(ref poll, 1, (int)Math.Clamp(deadline - Environment.TickCount64, 0, int.MaxValue));
            if (ready > 0)
            {
                return (poll.Returned & events) != 0;
            }

            if (ready == 0)
            {
                return false;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Interrupted)
            {
                throw new InvalidOperationException($"poll on file descriptor {fd} failed: errno {errno}");
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Returned;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, nuint count, int timeoutMs);
}
