namespace Strata.Training.Quickstart;

/// <summary>
/// The vocabulary of the synthetic tasks: common words that each occur at least five times in Tiny Shakespeare, so
/// a tokenizer and base model trained on it already know their spelling. Lower-case ASCII, 3 to 8 letters, no
/// duplicates, and none of the words the task templates themselves use (such as "word"), so a follow-up question
/// can never contain its own answer.
/// </summary>
internal static class ShakespeareWords
{
    public static readonly string[] All =
    [
        "king", "queen", "prince", "lord", "lady", "duke", "earl", "knight", "page", "servant", "soldier",
        "captain", "general", "father", "mother", "brother", "sister", "son", "daughter", "uncle", "cousin",
        "friend", "enemy", "master", "mistress", "husband", "wife", "widow", "child", "maid", "nurse", "friar",
        "priest", "bishop", "citizen", "senator", "tribune", "herald", "gaoler", "keeper", "shepherd", "fool",
        "crown", "sword", "shield", "throne", "castle", "tower", "gate", "wall", "field", "garden", "sea", "ship",
        "storm", "wind", "rain", "cloud", "sun", "moon", "star", "night", "day", "morning", "hour", "time", "year",
        "world", "heaven", "earth", "hell", "fire", "water", "blood", "heart", "head", "hand", "eye", "face",
        "tongue", "lip", "breath", "voice", "name", "letter", "book", "paper", "ring", "gold", "silver", "purse",
        "bread", "wine", "meat", "fish", "horse", "dog", "lion", "bear", "wolf", "lamb", "sheep", "bird", "eagle",
        "dove", "crow", "rose", "flower", "tree", "stone", "iron", "steel", "love", "hate", "fear", "hope", "grief",
        "joy", "peace", "war", "death", "life", "honour", "shame", "pride", "truth", "faith", "grace", "mercy",
        "justice", "law", "sin", "guilt", "mirth", "sorrow", "pity", "care", "rage", "fury", "anger", "doubt",
        "trust", "virtue", "beauty", "youth", "age", "power", "glory", "fame", "fortune", "duty", "oath", "vow",
        "promise", "come", "stay", "speak", "hear", "see", "know", "think", "kill", "die", "live", "fight", "fly",
        "run", "walk", "sleep", "wake", "weep", "laugh", "sing", "pray", "swear", "bless", "curse", "call", "send",
        "bring", "take", "give", "hold", "keep", "leave", "lose", "find", "seek", "tell", "ask", "answer", "stand",
        "fall", "rise", "break", "mend", "good", "bad", "fair", "foul", "sweet", "bitter", "gentle", "noble",
        "brave", "bold", "proud", "humble", "true", "false", "wise", "mad", "young", "old", "rich", "poor",
        "strong", "weak", "high", "low", "great", "small", "long", "short", "dark", "bright", "cold", "warm", "sad",
        "merry", "happy", "dead", "quick", "still", "house", "home", "court", "city", "town", "church", "grave",
        "tomb", "prison", "chamber", "bed", "door", "window", "table", "chair", "cup", "glass", "knife", "bow",
        "armour", "drum", "trumpet", "music", "song", "tale", "jest", "dream", "ghost", "spirit", "devil", "angel",
        "god", "saint", "rome", "london", "england", "france", "york", "venice", "verona", "padua", "milan",
        "minute", "summer", "winter", "spring", "east", "west", "north", "south", "honey", "salt", "corn", "root",
        "fruit", "hill", "island", "shore", "harbour", "path", "journey",
    ];
}
