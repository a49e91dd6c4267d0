using System.Collections.Concurrent;
using System.Reflection;
using Cluster.Contracts.Resources;
using Cluster.Protocol;

namespace Cluster.Rhs;

/// <summary>The resource types this RHS has loaded, by DLL path and type name.</summary>
internal sealed class ResourceTypeCatalog
{
    private readonly ConcurrentDictionary<string, Assembly> _assemblies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Path, string Name), LoadedResourceType> _types = new();

    /// <exception cref="ClusterException">The DLL does not load, or has no such type: a message naming both.</exception>
    public LoadedResourceType Load(string dllPath, string typeName)
    {
        if (string.IsNullOrWhiteSpace(dllPath) || string.IsNullOrWhiteSpace(typeName))
        {
            throw new ClusterException(ClusterErrorKind.InvalidArgument, "A resource type needs a name and a resource DLL path.");
        }

        var path = Path.GetFullPath(dllPath);
        return _types.GetOrAdd((path, typeName), key => Describe(LoadAssembly(key.Path), key.Path, key.Name));
    }

    private Assembly LoadAssembly(string path) => _assemblies.GetOrAdd(path, p =>
    {
        if (!File.Exists(p))
        {
            throw new ClusterException(ClusterErrorKind.FailedPrecondition, $"Resource DLL '{p}' does not exist.");
        }

        try
        {
            return new ResourceDllLoadContext(p).LoadFromAssemblyPath(p);
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or IOException)
        {
            throw new ClusterException(ClusterErrorKind.FailedPrecondition, $"Resource DLL '{p}' does not load: {e.Message}");
        }
    });

    private static LoadedResourceType Describe(Assembly assembly, string path, string typeName)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            throw new ClusterException(
                ClusterErrorKind.FailedPrecondition,
                $"Resource DLL '{path}' does not load: {e.LoaderExceptions.FirstOrDefault()?.Message ?? e.Message}");
        }

        var resourceTypes = types
            .Where(t => t.IsClass && !t.IsAbstract && typeof(Resource).IsAssignableFrom(t))
            .Select(t => (Type: t, Attribute: t.GetCustomAttribute<ResourceTypeAttribute>()))
            .Where(t => t.Attribute is not null)
            .ToList();
        var match = resourceTypes.FirstOrDefault(t => t.Attribute!.Name == typeName);
        if (match.Type is null)
        {
            var known = resourceTypes.Count == 0 ? "none" : string.Join(", ", resourceTypes.Select(t => t.Attribute!.Name));
            throw new ClusterException(
                ClusterErrorKind.NotFound, $"Resource DLL '{path}' has no resource type '{typeName}' (it has: {known}).");
        }

        if (match.Type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new ClusterException(
                ClusterErrorKind.FailedPrecondition, $"Resource type '{typeName}' in '{path}' has no public parameterless constructor.");
        }

        return new LoadedResourceType(typeName, path, match.Type, match.Attribute!);
    }
}
