using System.Reflection.PortableExecutable;

namespace Cluster.Service.Bench;

/// <summary>Whether an assembly carries native code compiled ahead of time (ReadyToRun), which the runtime uses instead of JIT-compiling its IL.</summary>
internal static class PrecompiledImage
{
    public static bool IsPrecompiled(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var image = new PEReader(stream);
        // ReadyToRun images point their CLI header's ManagedNativeHeader at the READYTORUN header; IL-only ones leave it empty.
        return image.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }
}
