using Cluster.Service.Cli;

return await ClusterCommandLine.Create().Parse(args).InvokeAsync().ConfigureAwait(false);
