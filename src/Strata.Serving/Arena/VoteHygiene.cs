using System.Security.Cryptography;
using System.Text;

namespace Strata.Serving.Arena;

/// <summary>
/// The checks that decide whether a vote counts, as Chatbot Arena's cleaning does them: answers that name a model
/// give the game away, one voter must not flood a day, and one popular prompt must not decide the ratings. A vote that
/// fails is still stored, with its reason, so the rules can be revisited without losing data. Pure functions; the
/// counts they compare come from the store.
/// </summary>
public static class VoteHygiene
{
    /// <summary>How long the daily cap looks back: a rolling day, so no midnight resets the allowance in one go.</summary>
    public static readonly TimeSpan Day = TimeSpan.FromDays(1);

    /// <summary>
    /// The first reason the vote on <paramref name="battle"/> is set aside, or null when it counts. Given in order of
    /// what the vote says about the models: a revealed name taints the vote itself; the caps only ration it.
    /// </summary>
    /// <param name="votesToday">The voter's votes in the last <see cref="Day"/> that the cap let through.</param>
    /// <param name="promptVotes">Counted votes already on battles that opened with the same message.</param>
    public static VoteExclusion? Exclusion(ArenaBattle battle, int votesToday, int promptVotes, ArenaOptions options)
    {
        if (RevealsModelName(battle)) return VoteExclusion.RevealsModelName;
        if (votesToday >= options.DailyVoteCap) return VoteExclusion.DailyCap;
        if (promptVotes >= options.PromptVoteLimit) return VoteExclusion.DuplicatePrompt;
        return null;
    }

    /// <summary>Whether any answer, on either side, names either model.</summary>
    public static bool RevealsModelName(ArenaBattle battle) =>
        battle.Turns.Any(t => Mentions(t.AnswerA, battle.ModelA) || Mentions(t.AnswerA, battle.ModelB)
            || Mentions(t.AnswerB, battle.ModelA) || Mentions(t.AnswerB, battle.ModelB));

    /// <summary>
    /// Whether <paramref name="text"/> contains <paramref name="name"/>, ignoring case, as a whole word: not inside a
    /// longer word or number, so a model called "phi" is not found in "philosophy".
    /// </summary>
    public static bool Mentions(string text, string name)
    {
        if (name.Length == 0) return false;
        for (int at = text.IndexOf(name, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(name, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            bool startsWord = at == 0 || !char.IsLetterOrDigit(text[at - 1]);
            int end = at + name.Length;
            bool endsWord = end == text.Length || !char.IsLetterOrDigit(text[end]);
            if (startsWord && endsWord) return true;
        }
        return false;
    }

    /// <summary>
    /// What a voter is stored as: SHA-256 of the tenant and the voter's id (an API key's id, or the id a browser keeps),
    /// hex. The tenant is mixed in so the same id in two tenants is two voters, and a hash from one tenant's rows
    /// matches nothing in another's.
    /// </summary>
    public static string VoterHash(string tenant, string voterId) => Sha256Hex(tenant + "\n" + voterId);

    /// <summary>
    /// The key prompts are de-duplicated by: SHA-256 of the message with case folded and runs of whitespace made one
    /// space, so "Hi  there" and "hi there\n" are the same prompt.
    /// </summary>
    public static string PromptKey(string message) =>
        Sha256Hex(string.Join(' ', message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant());

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
