using System.Globalization;

namespace Cluster.Contracts.Resources;

/// <summary>A resource's private properties as validated strings, with typed accessors.</summary>
public sealed class ResourceProperties
{
    private readonly IReadOnlyDictionary<string, string> _values;

    /// <summary>Wraps values that were already validated.</summary>
    public ResourceProperties(IReadOnlyDictionary<string, string> values)
    {
        _values = values ?? throw new ArgumentNullException(nameof(values));
    }

    /// <summary>All values, by property name.</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>The value, or null when unset or empty.</summary>
    public string? GetString(string name) => _values.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>A Number property's value, or null when unset.</summary>
    public long? GetInteger(string name) =>
        GetString(name) is { } text ? long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : null;

    /// <summary>A Boolean property's value, or null when unset.</summary>
    public bool? GetBoolean(string name) => GetString(name) is { } text ? ParseBoolean(text) : null;

    /// <summary>
    /// Checks a resource's values against its type's declarations and fills in defaults: an undeclared
    /// property, a bad value or a missing required one is an error naming the property.
    /// </summary>
    /// <param name="typeName">The resource type, for the messages.</param>
    /// <param name="declarations">The type's properties, by name.</param>
    /// <param name="given">The resource's values.</param>
    /// <param name="error">The first problem found, or null.</param>
    /// <returns>The values with defaults applied (partial when there is an error).</returns>
    public static IReadOnlyDictionary<string, string> Validate(
        string typeName,
        IReadOnlyDictionary<string, ResourcePropertyAttribute> declarations,
        IReadOnlyDictionary<string, string> given,
        out string? error)
    {
        ArgumentNullException.ThrowIfNull(declarations);
        ArgumentNullException.ThrowIfNull(given);
        error = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in given)
        {
            if (!declarations.TryGetValue(key, out var declaration))
            {
                error = $"resource type {typeName} has no property {key} (it has: {(declarations.Count == 0 ? "none" : string.Join(", ", declarations.Keys))})";
                return values;
            }

            if (Validate(declaration, value) is { } problem)
            {
                error = problem;
                return values;
            }

            values[key] = value;
        }

        foreach (var declaration in declarations.Values)
        {
            if (!values.ContainsKey(declaration.Name))
            {
                if (declaration.DefaultValue is { } fallback)
                {
                    values[declaration.Name] = fallback;
                }
                else if (declaration.Required)
                {
                    error = $"resource type {typeName} requires property {declaration.Name}";
                    return values;
                }
            }
        }

        return values;
    }

    /// <summary>Checks one value against its declaration; the error names the property and what is wrong.</summary>
    public static string? Validate(ResourcePropertyAttribute declaration, string value)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        ArgumentNullException.ThrowIfNull(value);
        switch (declaration.Kind)
        {
            case ResourcePropertyKind.Number:
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    return $"property {declaration.Name} must be an integer, not '{value}'";
                }

                if (number < declaration.Minimum || number > declaration.Maximum)
                {
                    return $"property {declaration.Name} must be between {declaration.Minimum} and {declaration.Maximum}, not {number}";
                }

                return null;
            case ResourcePropertyKind.Boolean:
                return ParseBoolean(value) is null ? $"property {declaration.Name} must be true or false, not '{value}'" : null;
            default:
                return null;
        }
    }

    private static bool? ParseBoolean(string text) => text.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => null,
    };
}
