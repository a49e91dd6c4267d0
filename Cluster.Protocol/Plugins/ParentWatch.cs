namespace Cluster.Protocol.Plugins;

/// <summary>
/// For a child process: a token that fires when the parent goes away. The parent holds the write
/// end of our stdin; when it exits, however it dies, the pipe closes and the read returns end-of-file.
/// No PID polling. Lines the parent writes on the way (<see cref="PluginProcess.SendLine"/>) go to
/// <c>onLine</c>, on the reading thread.
/// </summary>
public static class ParentWatch
{
    public static CancellationToken WhenStdinCloses(Action<string>? onLine = null)
    {
        var cts = new CancellationTokenSource();
        var thread = new Thread(() =>
        {
            try
            {
                using var stdin = new StreamReader(Console.OpenStandardInput());
                while (stdin.ReadLine() is { } line)
                {
                    if (line.Length > 0)
                    {
                        onLine?.Invoke(line);
                    }
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
