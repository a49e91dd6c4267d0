namespace Cluster.Tests.Support;

public static class Processes
{
    /// <summary>
    /// Whether a process runs. A zombie counts as exited: it is dead, merely not reaped yet (PID 1
    /// here reaps orphans only every 1.6 s or so).
    /// </summary>
    public static bool IsRunning(int pid) => Cluster.Service.Bench.ProcFs.IsRunning(pid);

    /// <summary>Running processes whose command line is exactly these words.</summary>
    public static IReadOnlyList<int> WithCommandLine(params string[] words) => Cluster.Service.Bench.ProcFs.WithCommandLine(words);
}
