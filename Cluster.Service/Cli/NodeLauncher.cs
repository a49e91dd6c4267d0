using System.Diagnostics;

namespace Cluster.Service.Cli;

/// <summary>
/// Starts `cluster node run` processes for `cluster up`, `cluster node start` and benchmarks, their output
/// appended to logs/NAME.out in the cluster directory. A node starts attached: it exits when its parent
/// does, cleanly when its stdin (which the parent holds) closes, and by SIGKILL from the kernel when the
/// parent dies while it cannot act (frozen), through the parent-death signal armed against
/// <see cref="ParentPidVariable"/>. <see cref="ReleaseAsync"/> lets it go once it is ready (--detach): it then
/// runs in a session of its own and outlives the command.
/// </summary>
internal static class NodeLauncher
{
    /// <summary>Set for an attached node: the PID its parent-death signal is armed against (the node checks it is still its parent).</summary>
    public const string ParentPidVariable = "CLUSTER_NODE_PARENT_PID";

    /// <param name="directory">The cluster's directory.</param>
    /// <param name="name">The node's name.</param>
    /// <param name="options">More options of `cluster node run` (--deadlock-timeout-ms 1000...).</param>
    /// <param name="prefix">Words the node runs under, which exec it: `ip netns exec NAMESPACE` for a lab's host.</param>
    /// <returns>The node, attached: it stops when this process does, until <see cref="ReleaseAsync"/> lets it go.</returns>
    public static Process Start(ClusterDirectory directory, string name, IReadOnlyList<string>? options = null, IReadOnlyList<string>? prefix = null)
    {
        Directory.CreateDirectory(directory.LogsPath);
        var self = SelfExecutable.StartInfo("node", ["node", "run", "--name", name, "--dir", directory.Root, .. options ?? [], "--exit-with-parent"]);
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" >> \"$LOG\" 2>&1");
        foreach (var word in prefix ?? [])
        {
            start.ArgumentList.Add(word);
        }

        start.ArgumentList.Add(self.FileName);
        foreach (var argument in self.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LOG"] = Path.Combine(directory.LogsPath, name + ".out");

        // The signal is tied to the forking thread: forked on the long-lived fork thread, it means this process.
        start.Environment[ParentPidVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Cluster.Contracts.Processes.ForkThread.Start(new Process { StartInfo = start });
    }

    /// <summary>
    /// Lets a node started here outlive this process (`up --detach`, `node start`), once it is up and what
    /// had to be done with it is done: until then, this process dying takes the node with it.
    /// </summary>
    /// <returns>False when the node did not confirm in time (it may then stop with this process).</returns>
    public static async Task<bool> ReleaseAsync(Process node)
    {
        try
        {
            await node.StandardInput.WriteLineAsync(Node.ParentLink.DetachLine).ConfigureAwait(false);
            await node.StandardInput.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            return false; // it exited meanwhile: nothing to let go
        }

        // Its parent-death signal would still fire if this process ended before the node read the line: the
        // node leads a session of its own only once it has disarmed the signal, so wait for that (briefly).
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(10);
        while (Bench.ProcFs.SessionOf(node.Id) is { } session && session != node.Id)
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(5).ConfigureAwait(false);
        }

        node.StandardInput.Close();
        return Bench.ProcFs.SessionOf(node.Id) == node.Id;
    }

    /// <summary>
    /// Stops attached nodes the clean way (their stdin closes: each stops its groups and leaves), thawing any left
    /// frozen first, and kills what is still there after 30 s with its whole tree: nothing of ours outlives its
    /// starter. Disposes the processes.
    /// </summary>
    public static async Task StopAttachedAsync(IEnumerable<Process> nodes)
    {
        var stopping = nodes.ToList();
        foreach (var node in stopping.Where(n => !n.HasExited))
        {
            Bench.Signals.TrySend(node.Id, Bench.Signals.Continue); // a frozen node could not hear its stdin close
            node.StandardInput.Close();
        }

        foreach (var node in stopping)
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await node.WaitForExitAsync(patience.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                node.Kill(entireProcessTree: true);
                await node.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            node.Dispose();
        }
    }

    /// <summary>
    /// The node process of <paramref name="record"/>, held by its pidfd, or null when it is not running (exited,
    /// or its PID now another process's): signals sent through the handle cannot reach a process that reused the PID.
    /// </summary>
    public static ProcessHandle? OpenRunning(NodeRecord record)
    {
        var process = ProcessHandle.Open(record.Pid);
        // Read the command line after the pidfd is open: if the process is still alive after the read, the PID was its own.
        if (process is not null && IsNodeProcess(record.Pid, record.Name) && !process.HasExited)
        {
            return process;
        }

        process?.Dispose();
        return null;
    }

    /// <summary>
    /// SIGTERM to a node (it takes its groups offline and leaves the cluster), then SIGCONT: a node someone froze
    /// wakes to the pending stop instead of holding it until it is thawed.
    /// </summary>
    public static void Terminate(ProcessHandle node)
    {
        node.Signal(Bench.Signals.Terminate);
        node.Signal(Bench.Signals.Continue);
    }

    /// <summary>Whether <paramref name="pid"/> is a running `cluster node run --name NAME` (not a reused PID).</summary>
    public static bool IsNodeProcess(int pid, string name)
    {
        try
        {
            var words = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return words.Contains("run") && words.SkipWhile(w => w != "--name").Skip(1).FirstOrDefault() == name;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
