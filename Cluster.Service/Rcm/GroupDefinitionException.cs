namespace Cluster.Service.Rcm;

/// <summary>A group that cannot exist as given; the message names the culprit.</summary>
internal sealed class GroupDefinitionException : Exception
{
    public GroupDefinitionException(string message)
        : base(message)
    {
    }

    public GroupDefinitionException()
    {
    }

    public GroupDefinitionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
