namespace Cluster.Tests.Support;

/// <summary>Waits for a condition with a deadline, never for a fixed time.</summary>
public static class Eventually
{
    /// <summary>Until the probe answers non-null; on time-out, fails naming what was awaited, with <c>context()</c> (what the processes printed, say).</summary>
    public static async Task<T> Until<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, Func<string>? context = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.{(context is null ? "" : "\n" + context())}");
            }

            await Task.Delay(20);
        }
    }

    public static Task Until(Func<bool> condition, TimeSpan timeout, string what, Func<string>? context = null) =>
        Until(() => Task.FromResult(condition() ? string.Empty : null), timeout, what, context);
}
