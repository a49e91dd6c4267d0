using System.Reflection;
using System.Runtime.Loader;

namespace Cluster.Rhs;

/// <summary>
/// One load context per resource DLL, so that DLLs bring their own dependencies. The contracts are
/// shared with the RHS itself, so that the DLL's <c>Resource</c> is our <c>Resource</c>; everything else
/// (protobuf included, which the API does not use) is the DLL's own.
/// </summary>
internal sealed class ResourceDllLoadContext(string dllPath) : AssemblyLoadContext(Path.GetFileNameWithoutExtension(dllPath))
{
    private static readonly HashSet<string> s_shared = new(StringComparer.OrdinalIgnoreCase)
    {
        "Cluster.Contracts",
    };

    private readonly AssemblyDependencyResolver _resolver = new(dllPath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is { } name && s_shared.Contains(name))
        {
            return null;
        }

        return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
}
