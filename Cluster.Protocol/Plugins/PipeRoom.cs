using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace Cluster.Protocol.Plugins;

/// <summary>Whether a write of one short line to a pipe would go through at once: poll(2) for POLLOUT, without waiting.</summary>
internal static partial class PipeRoom
{
    private const short PollOut = 0x004;

    /// <summary>
    /// True when the pipe under <paramref name="stream"/> has room: Linux reports POLLOUT while a pipe buffer
    /// is free, so a write of up to PIPE_BUF bytes cannot block. False when it is full, closed, or not a pipe.
    /// </summary>
    public static bool Available(Stream stream)
    {
        if (stream is not PipeStream { SafePipeHandle: { IsInvalid: false, IsClosed: false } handle } || !OperatingSystem.IsLinux())
        {
            return false;
        }

        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var poll = new PollFd { Fd = (int)handle.DangerousGetHandle(), Events = PollOut };
            return Poll(ref poll, 1, 0) == 1 && (poll.Returned & PollOut) != 0;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
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
