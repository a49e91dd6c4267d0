using System.Diagnostics;
using Cluster.Service.Cli;

namespace Cluster.Tests.Support;

/// <summary>Runs the `cluster` CLI: in this process for client verbs, as a real process for nodes.</summary>
public static class ClusterCli
{
    public static string ExecutablePath =>
        Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "cluster.exe" : "cluster");

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ClusterCommandLine.Create(args).Parse(args).InvokeAsync(
            new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>After a test of an attached `cluster up`: kills it if it still runs, stops whatever it left, removes the directory.</summary>
    public static async Task RemoveClusterAsync(Process up, string directory)
    {
        if (!up.HasExited)
        {
            up.Kill(entireProcessTree: true);
        }

        await RunAsync("down", "--dir", directory);
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>Starts `cluster ARGS` as a child process whose stdin we hold.</summary>
    public static Process Start(params string[] args) => Start(null, args);

    /// <summary>The same, with every line the process prints (stdout and stderr) handed to <paramref name="onLine"/>.</summary>
    public static Process Start(Action<string>? onLine, params string[] args) => Start(onLine, new Dictionary<string, string>(), args);

    /// <summary>The same, with these environment variables besides ours.</summary>
    public static Process Start(Action<string>? onLine, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Start(onLine, environment, args, interruptible: false);

    /// <summary>
    /// The same, for a test that sends Ctrl-C (SIGINT) or a hang-up (SIGHUP): the process gets them at their default disposition
    /// even when this test run inherited them ignored, as a shell's background job (SIGINT) or nohup does (.NET then leaves them ignored).
    /// </summary>
    public static Process StartInterruptible(Action<string>? onLine, params string[] args) =>
        StartInterruptible(onLine, new Dictionary<string, string>(), args);

    /// <summary>The same, with these environment variables besides ours.</summary>
    public static Process StartInterruptible(Action<string>? onLine, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Start(onLine, environment, args, interruptible: true);

    private static Process Start(Action<string>? onLine, IReadOnlyDictionary<string, string> environment, string[] args, bool interruptible)
    {
        // coreutils' env resets the signal and execs, so the PID is the CLI's.
        var start = new ProcessStartInfo(interruptible ? "/usr/bin/env" : ExecutablePath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (interruptible)
        {
            start.ArgumentList.Add("--default-signal=INT,HUP");
            start.ArgumentList.Add(ExecutablePath);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        if (onLine is not null)
        {
            process.OutputDataReceived += (_, e) => { if (e.Data is { } line) onLine(line); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) onLine(line); };
        }

        // Nodes arm their parent-death signal against this process: fork on the long-lived thread it is tied to.
        start.Environment[NodeLauncher.ParentPidVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Cluster.Contracts.Processes.ForkThread.Start(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static string NewClusterDirectory() =>
        Path.Combine(Path.GetTempPath(), "cluster-test-" + Guid.NewGuid().ToString("N")[..12]);
}
