using Cluster.Protocol.Rhs;
using Cluster.Protocol.Rhs.V1;

namespace Cluster.Rhs;

/// <summary>
/// What the node writes on our stdin (docs/plugin-protocol.md), read on the parent-watch thread: a pet
/// moves the fence watchdog on there and then; a ping is answered from the thread pool, so that a pong
/// also says the pool that serves the node's calls still runs. Anything else is named on stderr and ignored.
/// </summary>
internal sealed class NodeLines(FenceWatchdog fence, InFlightCalls calls, TextWriter answers, TextWriter errors)
{
    public void Handle(string line)
    {
        if (PingLine.Claims(line))
        {
            if (PingLine.TryParse(line, out var sequence, out var why))
            {
                ThreadPool.UnsafeQueueUserWorkItem(Answer, sequence, preferLocal: false);
            }
            else
            {
                Ignored(why);
            }
        }
        else if (PetLine.TryParse(line, out var validFor, out var lease, out var why))
        {
            fence.Pet(validFor, lease);
        }
        else
        {
            Ignored(why);
        }
    }

    private void Answer(long sequence)
    {
        var answer = new PingResponse { Pid = Environment.ProcessId };
        answer.Calls.AddRange(calls.Snapshot());
        answers.WriteLine(PongLine.Format(sequence, answer));
        answers.Flush();
    }

    private void Ignored(string why) => errors.WriteLine($"rhs: ignored a line from the node: {why}");
}
