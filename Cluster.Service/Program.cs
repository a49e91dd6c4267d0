using Cluster.Service.Cli;

return await ClusterCommandLine.Create(args).Parse(args).InvokeAsync().ConfigureAwait(false);
