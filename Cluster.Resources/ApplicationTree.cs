using System.Diagnostics;
using System.Globalization;
using Cluster.Contracts.Processes;

namespace Cluster.Resources;

/// <summary>
/// An application and everything it starts, as one unit that cannot outlive its RHS or its own main
/// process. On Linux, as root, the application is the init of a PID namespace of its own
/// (<c>unshare --pid --fork --kill-child</c>): when it exits, or is killed, the kernel kills every
/// process left in the namespace, however they forked or daemonized; <c>setpriv --pdeathsig KILL</c>
/// kills the launcher, and so the namespace, the moment the RHS dies (even by SIGKILL). Where no PID
/// namespace can be made, the application leads a process group of its own and the group is killed.
/// </summary>
internal sealed class ApplicationTree : IDisposable
{
    private const string SetPriv = "/usr/bin/setpriv";
    private const string Unshare = "/usr/bin/unshare";
    private const string SetSid = "/usr/bin/setsid";
    private static readonly Lazy<bool> s_pidNamespaces = new(ProbePidNamespaces);

    private ApplicationTree(Process launcher, int pid, bool ownNamespace)
    {
        Launcher = launcher;
        Pid = pid;
        OwnNamespace = ownNamespace;
    }

    /// <summary>The process whose exit is the tree's end: the namespace's launcher, or the application itself.</summary>
    public Process Launcher { get; }

    /// <summary>The application's own process ID, as `ps` shows it: what a user would kill.</summary>
    public int Pid { get; }

    /// <summary>True when the tree is a PID namespace (the kernel ends it), false for a process group.</summary>
    public bool OwnNamespace { get; }

    /// <summary>How the applications of this RHS are contained: for the docs and the log.</summary>
    public static string Containment =>
        OperatingSystem.IsWindows() ? "process tree" : s_pidNamespaces.Value ? "PID namespace" : "process group";

    public static ApplicationTree Start(string commandLine, string? workingDirectory)
    {
        ProcessStartInfo start;
        var ownNamespace = false;
        if (OperatingSystem.IsWindows())
        {
            start = new ProcessStartInfo("cmd.exe") { ArgumentList = { "/c", commandLine } };
        }
        else
        {
            // exec: the shell becomes the application, so its PID is the application's.
            string[] shell = ["/bin/sh", "-c", "exec " + commandLine];
            ownNamespace = s_pidNamespaces.Value;
            // A session of its own either way: a terminal's Ctrl-C (SIGINT to its foreground process group, which
            // `cluster up` and its nodes are in) must not reach applications; their stop is their resource's.
            // setsid does not fork here (the launcher leads no group), so the parent-death signal stays armed.
            string[] session = File.Exists(SetSid) ? [SetSid] : [];
            string[] contained = ownNamespace
                ? [.. session, Unshare, "--pid", "--fork", "--kill-child=KILL", "--", .. shell]
                : [.. session, .. shell];
            string[] argv = OperatingSystem.IsLinux() && File.Exists(SetPriv) ? [SetPriv, "--pdeathsig", "KILL", "--", .. contained] : contained;
            start = new ProcessStartInfo(argv[0]);
            foreach (var argument in argv.Skip(1))
            {
                start.ArgumentList.Add(argument);
            }
        }

        start.UseShellExecute = false;
        start.RedirectStandardInput = true; // the application gets no terminal input, and no EOF surprises
        if (!string.IsNullOrEmpty(workingDirectory))
        {
            start.WorkingDirectory = workingDirectory;
        }

        // The parent-death signal belongs to the forking thread: fork on one that lives as long as the RHS.
        var launcher = ForkThread.Start(new Process { StartInfo = start, EnableRaisingEvents = true });
        return new ApplicationTree(launcher, ownNamespace ? NamespaceInitOf(launcher) : launcher.Id, ownNamespace);
    }

    /// <summary>Asks the application to stop (SIGTERM); false when it cannot be asked and must be killed.</summary>
    public bool RequestStop()
    {
        if (OperatingSystem.IsWindows() || Launcher.HasExited)
        {
            return false;
        }

        // A namespace's init ignores signals it has no handler for, so the default action of SIGTERM
        // (to end it) must be carried out by SIGKILL.
        if (OwnNamespace && !CatchesSigTerm(Pid))
        {
            return false;
        }

        return UnixSignals.Send(OwnNamespace ? Pid : -Pid, UnixSignals.SigTerm);
    }

    /// <summary>SIGKILL to the whole tree; completes when it is gone.</summary>
    public void Kill()
    {
        if (OperatingSystem.IsWindows())
        {
            KillLauncher();
        }
        else if (OwnNamespace)
        {
            UnixSignals.Send(Pid, UnixSignals.SigKill); // init gone: the kernel kills the namespace
            KillLauncher();
        }
        else
        {
            UnixSignals.Send(-Pid, UnixSignals.SigKill); // the group, with every child left in it
        }

        Launcher.WaitForExit();
    }

    /// <summary>After the main process exited by itself: what it left behind goes too (a process group is not the kernel's to end).</summary>
    public void EndLeftovers()
    {
        if (!OperatingSystem.IsWindows() && !OwnNamespace)
        {
            UnixSignals.Send(-Pid, UnixSignals.SigKill);
        }
    }

    public void Dispose() => Launcher.Dispose();

    private void KillLauncher()
    {
        try
        {
            Launcher.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has exited already.
        }
    }

    /// <summary>The namespace's init, the launcher's only child; it appears right after the launcher forks.</summary>
    private static int NamespaceInitOf(Process launcher)
    {
        var children = $"/proc/{launcher.Id}/task/{launcher.Id}/children";
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5;
        while (Stopwatch.GetTimestamp() < deadline && !launcher.HasExited)
        {
            try
            {
                var text = File.ReadAllText(children).Trim();
                // Until unshare has exec'd from setpriv and forked, it has no child (or is still setpriv).
                if (text.Length > 0 && File.ReadAllText($"/proc/{launcher.Id}/comm").Trim() == "unshare")
                {
                    return int.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // The launcher exited meanwhile: its exit notification reports it.
            }

            Thread.Yield();
        }

        return launcher.Id;
    }

    private static bool CatchesSigTerm(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("SigCgt:", StringComparison.Ordinal));
            return line is not null && (ulong.Parse(line[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (UnixSignals.SigTerm - 1))) != 0;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Whether this process may make PID namespaces (root, or unprivileged user namespaces with it).</summary>
    private static bool ProbePidNamespaces()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(Unshare))
        {
            return false;
        }

        try
        {
            using var probe = Process.Start(new ProcessStartInfo(Unshare)
            {
                ArgumentList = { "--pid", "--fork", "--kill-child=KILL", "--", "/bin/true" },
                UseShellExecute = false,
                RedirectStandardError = true,
            })!;
            probe.StandardError.ReadToEnd();
            probe.WaitForExit();
            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
