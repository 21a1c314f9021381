using System.Text.RegularExpressions;

namespace Strata.Serving.Security;

/// <summary>Rules for tenant names, which appear in logs, metrics labels and file names, hence the narrow alphabet.</summary>
public static partial class TenantName
{
    /// <summary>Longest tenant name accepted.</summary>
    public const int MaxLength = 64;

    /// <summary>Returns <paramref name="tenant"/> unchanged when valid.</summary>
    /// <exception cref="ArgumentException">Empty, longer than 64 characters, or holding anything but letters, digits, '.', '_' and '-'.</exception>
    public static string Validate(string? tenant)
    {
        if (string.IsNullOrEmpty(tenant)) throw new ArgumentException("Tenant name is empty; give one such as 'default' or 'acme-prod'.", nameof(tenant));
        if (tenant.Length > MaxLength)
        {
            throw new ArgumentException($"Tenant name is {tenant.Length} characters long; at most {MaxLength} are allowed.", nameof(tenant));
        }
        if (!Allowed().IsMatch(tenant))
        {
            throw new ArgumentException($"Tenant name '{tenant}' is invalid: use only letters, digits, '.', '_' and '-'.", nameof(tenant));
        }
        return tenant;
    }

    /// <summary>Whether <paramref name="tenant"/> is a name <see cref="Validate"/> accepts.</summary>
    public static bool IsValid(string? tenant) => tenant is not null && Allowed().IsMatch(tenant);

    // \z, not $: $ also matches before a final newline, which would let "acme\n" through into logs and metrics labels.
    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Allowed();
}
