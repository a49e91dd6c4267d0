using System.Reflection;
using Cluster.Contracts.Resources;
using Cluster.Protocol.Rhs.V1;

namespace Cluster.Rhs;

/// <summary>A resource type found in a loaded resource DLL: how to create it and what it declares.</summary>
internal sealed class LoadedResourceType
{
    private static readonly string[] s_entryPoints =
        [nameof(Resource.Open), nameof(Resource.Close), nameof(Resource.Online), nameof(Resource.Offline),
         nameof(Resource.Terminate), nameof(Resource.LooksAlive), nameof(Resource.IsAlive), nameof(Resource.ResourceControl)];

    public LoadedResourceType(string name, string dllPath, Type type, ResourceTypeAttribute attribute)
    {
        Name = name;
        DllPath = dllPath;
        Type = type;
        Attribute = attribute;
        Properties = type.GetCustomAttributes<ResourcePropertyAttribute>().ToDictionary(p => p.Name, StringComparer.Ordinal);
        // An entry point is implemented when the type overrides the base class's; the others are discarded.
        EntryPoints = s_entryPoints
            .Where(name => type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .Any(m => m.Name == name && m.GetBaseDefinition().DeclaringType == typeof(Resource) && m.DeclaringType != typeof(Resource)))
            .ToHashSet(StringComparer.Ordinal);
    }

    public string Name { get; }

    public string DllPath { get; }

    public Type Type { get; }

    public ResourceTypeAttribute Attribute { get; }

    public IReadOnlyDictionary<string, ResourcePropertyAttribute> Properties { get; }

    public IReadOnlySet<string> EntryPoints { get; }

    public Resource CreateInstance() => (Resource)Activator.CreateInstance(Type)!;

    /// <summary>Applies defaults and checks every value; the first error names the property.</summary>
    public IReadOnlyDictionary<string, string> ValidateProperties(IReadOnlyDictionary<string, string> given, out string? error) =>
        ResourceProperties.Validate(Name, Properties, given, out error);

    public ResourceTypeInfo ToInfo()
    {
        var info = new ResourceTypeInfo
        {
            Name = Name,
            DllPath = DllPath,
            LooksAlivePollIntervalMs = (uint)Attribute.LooksAlivePollIntervalMs,
            IsAlivePollIntervalMs = (uint)Attribute.IsAlivePollIntervalMs,
        };
        info.EntryPoints.AddRange(EntryPoints.Order(StringComparer.Ordinal));
        info.Properties.AddRange(Properties.Values.Select(p => new PropertySchema
        {
            Name = p.Name,
            Kind = p.Kind switch
            {
                ResourcePropertyKind.Number => PropertyKind.Integer,
                ResourcePropertyKind.Boolean => PropertyKind.Boolean,
                _ => PropertyKind.String,
            },
            Description = p.Description,
            DefaultValue = p.DefaultValue ?? string.Empty,
            Required = p.Required,
            Minimum = p.Minimum,
            Maximum = p.Maximum,
        }));
        return info;
    }
}
