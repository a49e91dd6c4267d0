namespace Cluster.Protocol.Plugins;

/// <summary>
/// For a child process: a token that fires when the parent goes away. The parent holds the write
/// end of our stdin; when it exits, however it dies, the pipe closes and the read returns end-of-file.
/// No PID polling.
/// </summary>
public static class ParentWatch
{
    public static CancellationToken WhenStdinCloses()
    {
        var cts = new CancellationTokenSource();
        var thread = new Thread(() =>
        {
            try
            {
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[256];
                while (stdin.Read(buffer, 0, buffer.Length) > 0)
                {
                    // The parent writes nothing; any input is ignored.
                }
            }
            catch (IOException)
            {
                // A broken pipe means the same as end-of-file: the parent is gone.
            }

            cts.Cancel();
        })
        {
            IsBackground = true,
            Name = "parent-watch",
        };
        thread.Start();
        return cts.Token;
    }
}
