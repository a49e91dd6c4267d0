namespace Cluster.Service.Lab;

/// <summary>A lab could not be built or removed: the message names the ip(8) command and its error.</summary>
internal sealed class LabException : Exception
{
    public LabException(string message)
        : base(message)
    {
    }

    public LabException()
    {
    }

    public LabException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
