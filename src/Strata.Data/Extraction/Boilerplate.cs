using AngleSharp.Dom;

namespace Strata.Data.Extraction;

/// <summary>
/// Trafilatura-style pruning of what Readability leaves inside the article: captions, bylines and datelines, share and
/// "related" widgets, ads, and link lists. Readability scores containers, so it keeps such small blocks whenever they sit
/// inside the winning one; these rules look at each block on its own.
/// </summary>
internal static class Boilerplate
{
    // Class/id words (split on punctuation and case) that name boilerplate in page templates.
    private static readonly HashSet<string> Words = new(StringComparer.OrdinalIgnoreCase)
    {
        "share", "sharing", "social", "related", "recommended", "recommendations", "promo", "newsletter", "subscribe",
        "subscription", "signup", "advert", "advertisement", "ad", "ads", "adslot", "sponsor", "sponsored", "comment",
        "comments", "cookie", "cookies", "footer", "breadcrumb", "breadcrumbs", "nav", "navigation", "menu", "toolbar",
        "popup", "modal", "outbrain", "taboola", "byline", "author", "dateline", "timestamp", "caption", "credit",
        "credits", "tags", "tag", "disclaimer", "teaser", "widget", "sidebar", "more", "readmore", "also", "trending",
        "date", "published", "pubdate", "updated", "posted", "slideshow", "message", "tooltip", "popover", "rollover",
        "hovercard",
    };

    // Tags whose text is never the article body itself.
    private static readonly HashSet<string> Tags = new(StringComparer.OrdinalIgnoreCase)
    {
        "figcaption", "time", "nav", "aside", "footer", "form", "button",
    };

    /// <summary>Removes boilerplate elements below <paramref name="root"/> (never <paramref name="root"/> itself).</summary>
    public static void Prune(IElement root, int guardChars)
    {
        foreach (var element in root.QuerySelectorAll("*").ToList())
        {
            if (element.ParentElement is null || !root.Contains(element))
            {
                continue; // already removed with an ancestor
            }
            if (IsBoilerplate(element, guardChars))
            {
                element.Remove();
            }
        }
    }

    private static bool IsBoilerplate(IElement element, int guardChars)
    {
        if (Tags.Contains(element.LocalName))
        {
            return true;
        }
        // A figure is an image with its caption and credit; code listings and tables in figures are content.
        if (element.LocalName == "figure" && element.QuerySelector("pre, table, code") is null)
        {
            return true;
        }
        string text = element.TextContent;
        int length = CountNonSpace(text);
        // A block holding much of the article is content whatever its template calls it ("article-with-comments").
        if (length > guardChars)
        {
            return false;
        }
        if (NamesBoilerplate(element))
        {
            return true;
        }
        return IsLinkBlock(element, length);
    }

    private static bool IsLinkBlock(IElement element, int length)
    {
        if (element.LocalName is not ("p" or "ul" or "ol" or "li" or "div" or "h2" or "h3" or "h4" or "section" or "strong" or "b"))
        {
            return false;
        }
        if (length == 0)
        {
            return false;
        }
        int linked = element.QuerySelectorAll("a").Sum(a => CountNonSpace(a.TextContent));
        // A paragraph or list made (almost) only of links is navigation or "read more" promotion, not prose.
        return linked >= 0.8 * length;
    }

    private static bool NamesBoilerplate(IElement element)
    {
        foreach (string attribute in (ReadOnlySpan<string>)["class", "id"])
        {
            if (element.GetAttribute(attribute) is not { Length: > 0 } value)
            {
                continue;
            }
            foreach (string word in SplitWords(value))
            {
                if (Words.Contains(word))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>Splits <c>articleRelated-posts_list</c> into article, related, posts, list.</summary>
    private static IEnumerable<string> SplitWords(string value)
    {
        int start = -1;
        for (int i = 0; i <= value.Length; i++)
        {
            bool letter = i < value.Length && char.IsLetterOrDigit(value[i]);
            bool camel = letter && start >= 0 && char.IsUpper(value[i]) && char.IsLower(value[i - 1]);
            if (start >= 0 && (!letter || camel))
            {
                yield return value[start..i];
                start = -1;
            }
            if (letter && start < 0)
            {
                start = i;
            }
        }
    }

    private static int CountNonSpace(string text)
    {
        int count = 0;
        foreach (char c in text)
        {
            if (!char.IsWhiteSpace(c))
            {
                count++;
            }
        }
        return count;
    }
}
