using Microsoft.Data.Sqlite;

namespace Cluster.Tests.Support;

/// <summary>SQLite's own check of a store file: "ok" when nothing is half-written or corrupt.</summary>
internal static class SqliteIntegrity
{
    public static string Check(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        return (string)check.ExecuteScalar()!;
    }
}
