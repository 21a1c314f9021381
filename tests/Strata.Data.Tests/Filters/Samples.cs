using System.Text.Json.Nodes;

namespace Strata.Data.Tests.Filters;

/// <summary>Inputs shared by the filter tests.</summary>
internal static class Samples
{
    /// <summary>An ordinary English web page body, written to pass every prose rule with room to spare.</summary>
    public const string Prose =
        "The old harbour town sits at the mouth of a wide river that winds down from the northern hills.\n" +
        "Fishing boats have worked these waters for centuries, and the morning market still sells the catch straight from the quay.\n" +
        "Visitors come in summer to walk the cliff paths, which offer long views over the bay and the islands beyond it.\n" +
        "In winter the town grows quiet, and the storms that roll in from the sea can close the coast road for days.\n" +
        "Local historians say that the first stone pier was built with money raised by the families who lived along the shore.\n" +
        "Today a small museum near the church tells that story with photographs, nets, and models of the early sailing ships.";

    public static Document Doc(string text) => new("t", text, new JsonObject());

    /// <summary>n space-separated words: "the", "and", then "house" (two stop words, all letters).</summary>
    public static string Words(int n) => string.Join(' ', new[] { "the", "and" }.Concat(Enumerable.Repeat("house", n - 2)));
}
