using System.CommandLine;
using System.Numerics;

namespace Cluster.Service.Cli;

/// <summary>Range checks for numeric options, with the error naming the option.</summary>
internal static class OptionValidation
{
    public static Option<T> AtLeast<T>(this Option<T> option, T minimum)
        where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<T>();
            if (value < minimum)
            {
                result.AddError($"{option.Name} must be at least {minimum}, not {value}.");
            }
        });
        return option;
    }

    public static Option<T> Between<T>(this Option<T> option, T minimum, T maximum)
        where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<T>();
            if (value < minimum || value > maximum)
            {
                result.AddError($"{option.Name} must be from {minimum} to {maximum}, not {value}.");
            }
        });
        return option;
    }
}
