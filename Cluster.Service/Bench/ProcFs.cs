using System.Globalization;

namespace Cluster.Service.Bench;

/// <summary>What Linux's /proc tells about processes that are not our children.</summary>
internal static class ProcFs
{
    /// <summary>Whether it runs; a zombie counts as gone (dead, only not yet reaped by PID 1).</summary>
    public static bool IsRunning(int pid) => State(pid) is { } state && state != 'Z';

    /// <summary>
    /// Whether every thread of it is stopped (SIGSTOP): kill(2) only queues the signal, and each thread stops
    /// when it next runs.
    /// </summary>
    public static bool IsStopped(int pid)
    {
        try
        {
            return Directory.EnumerateDirectories($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task")
                .All(task => FieldsAt(Path.Combine(task, "stat")) is { } fields && fields[0][0] is 'T' or 't');
        }
        catch (IOException)
        {
            return false; // gone
        }
    }

    /// <summary>The processes whose parent is <paramref name="parent"/>.</summary>
    public static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid)
                && Fields(pid) is { } fields
                && int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
            {
                yield return pid;
            }
        }
    }

    /// <summary>Running processes whose command line is exactly <paramref name="words"/> (e.g. an application with a unique argument).</summary>
    public static IReadOnlyList<int> WithCommandLine(params string[] words)
    {
        var wanted = string.Join('\0', words) + "\0";
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(directory, "cmdline")) == wanted && IsRunning(pid))
                    {
                        found.Add(pid);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // It exited while we looked.
                }
            }
        }

        return found;
    }

    /// <summary>VmRSS in KiB.</summary>
    public static long ResidentKib(int pid)
    {
        var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Pss in KiB (smaps_rollup): resident memory with each shared page divided among the processes that map
    /// it. Unlike RSS, the framework's read-only pages that a node and its RHS processes share count once.
    /// </summary>
    public static long ProportionalKib(int pid)
    {
        var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/smaps_rollup").First(l => l.StartsWith("Pss:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>CPU time a process has used so far (user + system), from /proc/PID/stat; null when it is gone.</summary>
    public static TimeSpan? CpuTime(int pid)
    {
        if (Fields(pid) is not { } fields)
        {
            return null;
        }

        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);
    }

    /// <summary>
    /// How many times each of the process's threads has gone to sleep and been woken so far (voluntary
    /// context switches, by thread id): on a VM each costs about as much as the little an idle process
    /// does, and unlike CPU time the count does not move with the machine's other load. Compare two with
    /// <see cref="WakeUpsBetween"/>: a thread that ends takes its count with it.
    /// </summary>
    public static IReadOnlyDictionary<int, long> WakeUps(int pid)
    {
        var counts = new Dictionary<int, long>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task"))
            {
                try
                {
                    var line = File.ReadLines(Path.Combine(task, "status")).FirstOrDefault(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal));
                    if (line is not null && int.TryParse(Path.GetFileName(task), CultureInfo.InvariantCulture, out var thread))
                    {
                        counts[thread] = long.Parse(line.AsSpan("voluntary_ctxt_switches:".Length).Trim(), CultureInfo.InvariantCulture);
                    }
                }
                catch (IOException)
                {
                    // The thread ended meanwhile.
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // The process is gone.
        }

        return counts;
    }

    /// <summary>Wake-ups between two <see cref="WakeUps"/> of one process, over the threads alive at the second (those that ended meanwhile are not counted).</summary>
    public static long WakeUpsBetween(IReadOnlyDictionary<int, long> before, IReadOnlyDictionary<int, long> after) =>
        after.Sum(thread => thread.Value - before.GetValueOrDefault(thread.Key));

    /// <summary>USER_HZ: the unit of /proc's CPU times (100 on Linux for x86 and arm alike).</summary>
    private const int ClockTicksPerSecond = 100;

    /// <summary>The session a process is in (its leader's PID); null when it is gone.</summary>
    public static int? SessionOf(int pid) => Fields(pid) is { } fields ? int.Parse(fields[3], CultureInfo.InvariantCulture) : null;

    private static char? State(int pid) => Fields(pid) is { } fields ? fields[0][0] : null;

    /// <summary>The fields of /proc/PID/stat after the parenthesised command name: state, ppid, ...</summary>
    private static string[]? Fields(int pid) => FieldsAt($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");

    /// <summary>The same for a stat file: a process's, or one thread's (/proc/PID/task/TID/stat).</summary>
    private static string[]? FieldsAt(string statPath)
    {
        try
        {
            var stat = File.ReadAllText(statPath);
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null; // it exited while we looked
        }
    }
}
