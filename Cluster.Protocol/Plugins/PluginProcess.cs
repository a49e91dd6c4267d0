using System.Diagnostics;
using System.Threading.Channels;
using Cluster.Contracts.Processes;

namespace Cluster.Protocol.Plugins;

/// <summary>
/// The parent's side of the plugin process protocol: start the child with its stdin held open (so it
/// dies with us), wait for its handshake line, and learn of its exit through the exit notification.
/// The child is forked on <see cref="ForkThread"/>, so a parent-death signal it asks for holds for as
/// long as this process lives. Its exit is the process's own (the Exited event), never the end of its
/// output: a grandchild that inherited the pipes may hold them open long after.
/// </summary>
public sealed class PluginProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Lines for the child's stdin. Only the latest few are kept: a child that does not read (it is
    // frozen) must never block the sender, and what is sent this way (pets) is superseded by the next.
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(
        new BoundedChannelOptions(8) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly Lock _writing = new(); // one writer at a time, the caller in place or the loop, so lines keep their order
    private Task? _writer;

    private PluginProcess(Process process, PluginHandshake handshake, DateTimeOffset startedAt)
    {
        _process = process;
        Handshake = handshake;
        StartedAt = startedAt;
        Pid = process.Id;
    }

    public int Pid { get; }

    public PluginHandshake Handshake { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>Completes with the exit code the moment the child exits, for whatever reason.</summary>
    public Task<int> Exited => _exited.Task;

    /// <exception cref="InvalidOperationException">The child exited, misbehaved or stayed silent before its handshake.</exception>
    public static async Task<PluginProcess> StartAsync(PluginStartInfo info, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        var startInfo = new ProcessStartInfo(info.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in info.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in info.Environment)
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var handshake = new TaskCompletionSource<PluginHandshake>(TaskCreationOptions.RunContinuationsAsynchronously);
        var recentErrors = new Queue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            PluginHandshake? parsed = null;
            if (!handshake.Task.IsCompleted)
            {
                try
                {
                    parsed = PluginHandshake.TryParse(e.Data);
                }
                catch (FormatException error)
                {
                    handshake.TrySetException(new InvalidOperationException(error.Message, error));
                    return;
                }
            }

            if (parsed is not null)
            {
                handshake.TrySetResult(parsed);
            }
            else
            {
                info.OnOutput?.Invoke(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (recentErrors)
            {
                recentErrors.Enqueue(e.Data);
                if (recentErrors.Count > 5)
                {
                    recentErrors.Dequeue();
                }
            }

            info.OnOutput?.Invoke(e.Data);
        };

        var exitedNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exitedNow.TrySetResult();
        var startedAt = DateTimeOffset.UtcNow;
        try
        {
            ForkThread.Start(process);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start {info.FileName}: {e.Message}", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (process.HasExited)
        {
            exitedNow.TrySetResult(); // exited before the handler could see it
        }

        var exited = exitedNow.Task;

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(info.HandshakeTimeout);
            var first = await Task.WhenAny(handshake.Task, exited, Task.Delay(Timeout.Infinite, timeout.Token))
                .ConfigureAwait(false);
            if (first == exited)
            {
                // Its last words, if its pipes close soon (a grandchild may hold them open).
                await Task.WhenAny(process.WaitForExitAsync(CancellationToken.None), Task.Delay(200, CancellationToken.None)).ConfigureAwait(false);
                string errors;
                lock (recentErrors)
                {
                    errors = string.Join(" | ", recentErrors);
                }

                throw new InvalidOperationException(
                    $"{info.FileName} exited with code {process.ExitCode} before its handshake"
                    + (errors.Length > 0 ? $": {errors}" : "."));
            }

            if (first != handshake.Task)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new InvalidOperationException(
                    $"{info.FileName} printed no handshake within {info.HandshakeTimeout.TotalSeconds:0.#} s.");
            }

            var result = await handshake.Task.ConfigureAwait(false);
            if (result.Kind != info.Kind)
            {
                throw new InvalidOperationException(
                    $"{info.FileName} announced a '{result.Kind}' plugin; expected '{info.Kind}'.");
            }

            var plugin = new PluginProcess(process, result, startedAt);
            _ = exited.ContinueWith(
                _ => plugin._exited.TrySetResult(process.ExitCode), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return plugin;
        }
        catch
        {
            KillQuietly(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a line to the child's stdin (read by its <see cref="ParentWatch"/>), without waiting: a
    /// child that does not read loses the oldest lines, never blocks the caller. Nothing happens once it
    /// has exited.
    /// </summary>
    public void SendLine(string line)
    {
        ArgumentException.ThrowIfNullOrEmpty(line);
        if (line.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("A line to a plugin cannot hold a line break.", nameof(line));
        }

        // In place when no line waits before it and the pipe has room (so the write cannot block): a pet sent
        // from the lease-renewal thread then wakes no other thread. Otherwise the writer loop takes it.
        if (_writing.TryEnter())
        {
            try
            {
                if (_lines.Reader.Count == 0 && PipeRoom.Available(_process.StandardInput.BaseStream))
                {
                    Write(line);
                    return;
                }
            }
            catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
            {
                return; // disposed: the child is gone, and a pet must never throw at the lease-renewal thread
            }
            finally
            {
                _writing.Exit();
            }
        }

        _lines.Writer.TryWrite(line);
        if (_writer is null)
        {
            lock (_lines)
            {
                _writer ??= WriteLinesAsync();
            }
        }
    }

    private async Task WriteLinesAsync()
    {
        while (await _lines.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            lock (_writing)
            {
                // A full pipe (a frozen child) blocks this loop only, on its pool thread; callers then queue behind it.
                while (_lines.Reader.TryRead(out var line))
                {
                    Write(line);
                }
            }
        }
    }

    private void Write(string line)
    {
        try
        {
            _process.StandardInput.WriteLine(line);
            _process.StandardInput.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The child is gone (its exit notification tells the rest).
        }
    }

    /// <summary>Kills the child and everything it started, at once (SIGKILL).</summary>
    public void Kill() => KillQuietly(_process);

    public async ValueTask DisposeAsync()
    {
        if (!_exited.Task.IsCompleted)
        {
            Kill();
            await _exited.Task.ConfigureAwait(false);
        }

        _lines.Writer.TryComplete();
        if (_writer is { } writer)
        {
            await writer.ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has already exited: nothing left to kill.
        }
    }
}
