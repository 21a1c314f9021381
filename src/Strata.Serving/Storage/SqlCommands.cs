using System.Data.Common;

namespace Strata.Serving.Storage;

/// <summary>ADO.NET commands as the stores written once for SQLite and PostgreSQL build them.</summary>
internal static class SqlCommands
{
    /// <summary>A command with <c>@name</c> parameters (a syntax SQLite and PostgreSQL's Npgsql both read); null values become SQL NULL.</summary>
    public static DbCommand Create(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}
