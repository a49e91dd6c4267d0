using System.IO.Pipes;

namespace Cluster.Protocol.Plugins;

/// <summary>Whether a write of one short line to a pipe would go through at once.</summary>
internal static class PipeRoom
{
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
            return FilePoll.Ready((int)handle.DangerousGetHandle(), FilePoll.Writable, timeoutMs: 0);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            return false; // closed meanwhile, or poll refused it: the writer loop takes the line
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}
