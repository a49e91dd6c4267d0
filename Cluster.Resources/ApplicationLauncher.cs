using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cluster.Resources;

/// <summary>
/// Starts applications so that they cannot outlive their RHS. On Linux each one runs under
/// <c>setpriv --pdeathsig KILL</c>: the kernel kills it the moment the RHS dies, even by SIGKILL.
/// The parent-death signal belongs to the thread that forked, so every start happens on one
/// long-lived thread here, never on an entry point's short-lived thread.
/// </summary>
internal static class ApplicationLauncher
{
    private const string SetPriv = "/usr/bin/setpriv";
    private static readonly BlockingCollection<(ProcessStartInfo Start, TaskCompletionSource<Process> Result)> s_requests = [];

    static ApplicationLauncher()
    {
        var thread = new Thread(() =>
        {
            foreach (var (start, result) in s_requests.GetConsumingEnumerable())
            {
                try
                {
                    result.SetResult(Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start."));
                }
                catch (Exception e)
                {
                    result.SetException(e);
                }
            }
        })
        {
            IsBackground = true,
            Name = "application-launcher",
        };
        thread.Start();
    }

    /// <summary>True when applications die with the RHS by the kernel's hand.</summary>
    public static bool DiesWithParent => OperatingSystem.IsLinux() && File.Exists(SetPriv);

    public static Process Start(string commandLine, string? workingDirectory)
    {
        ProcessStartInfo start;
        if (OperatingSystem.IsWindows())
        {
            start = new ProcessStartInfo("cmd.exe") { ArgumentList = { "/c", commandLine } };
        }
        else if (DiesWithParent)
        {
            // exec: the shell becomes the application, so its PID is the application's.
            start = new ProcessStartInfo(SetPriv) { ArgumentList = { "--pdeathsig", "KILL", "--", "/bin/sh", "-c", "exec " + commandLine } };
        }
        else
        {
            start = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "exec " + commandLine } };
        }

        start.UseShellExecute = false;
        start.RedirectStandardInput = true; // the application gets no terminal input, and no EOF surprises
        if (!string.IsNullOrEmpty(workingDirectory))
        {
            start.WorkingDirectory = workingDirectory;
        }

        var result = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        s_requests.Add((start, result));
        return result.Task.GetAwaiter().GetResult();
    }
}
