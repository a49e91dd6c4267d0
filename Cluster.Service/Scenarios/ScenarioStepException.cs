namespace Cluster.Service.Scenarios;

/// <summary>An action of a scenario could not be carried out; the message says why (the scenario fails there).</summary>
internal sealed class ScenarioStepException : Exception
{
    public ScenarioStepException()
    {
    }

    public ScenarioStepException(string message)
        : base(message)
    {
    }

    public ScenarioStepException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
