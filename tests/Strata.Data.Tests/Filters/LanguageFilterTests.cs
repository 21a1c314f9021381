using System.Text.Json;
using Strata.Data.Filters;

namespace Strata.Data.Tests.Filters;

using static Samples;

// The reference is franc itself, run through node (tests/tools/franc-detect.mjs) on the same texts, restricted to
// the languages Strata embeds; ISO 639-3 → 639-1 per the ISO tables.
public class LanguageFilterTests
{
    private static readonly Dictionary<string, string> Iso3To1 = new()
    {
        ["eng"] = "en",
        ["deu"] = "de",
        ["fra"] = "fr",
        ["spa"] = "es",
        ["por"] = "pt",
        ["ita"] = "it",
        ["nld"] = "nl",
        ["pol"] = "pl",
        ["ces"] = "cs",
        ["slk"] = "sk",
        ["swe"] = "sv",
        ["dan"] = "da",
        ["nob"] = "no",
        ["fin"] = "fi",
        ["hun"] = "hu",
        ["ron"] = "ro",
        ["tur"] = "tr",
        ["vie"] = "vi",
        ["ind"] = "id",
        ["hrv"] = "hr",
        ["rus"] = "ru",
        ["ukr"] = "uk",
        ["bul"] = "bg",
        ["arb"] = "ar",
        ["pes"] = "fa",
        ["urd"] = "ur",
        ["hin"] = "hi",
        ["mar"] = "mr",
        ["heb"] = "he",
        ["cmn"] = "zh",
        ["jpn"] = "ja",
        ["kor"] = "ko",
        ["ell"] = "el",
        ["tha"] = "th",
        ["ben"] = "bn",
        ["tam"] = "ta",
        ["kat"] = "ka",
        ["hye"] = "hy",
        ["und"] = "und",
    };

    // (expected language, sentence): the expectation is what a reader knows the sentence to be.
    public static readonly (string Language, string Text)[] Sentences =
    [
        ("en", "The committee will meet again next week to discuss the budget for the coming year."),
        ("en", "She walked along the river until the sun went down behind the hills."),
        ("de", "Die Stadt liegt an einem großen Fluss und hat eine lange Geschichte als Handelsplatz."),
        ("de", "Wir haben gestern Abend im Garten gesessen und über die Zukunft gesprochen."),
        ("fr", "Le gouvernement a annoncé de nouvelles mesures pour soutenir les petites entreprises."),
        ("fr", "Nous sommes allés au marché ce matin pour acheter des légumes et du pain."),
        ("es", "El museo abrirá sus puertas el próximo mes con una exposición sobre la historia de la ciudad."),
        ("es", "Mis amigos y yo fuimos a la playa durante las vacaciones de verano."),
        ("pt", "A cidade recebeu milhares de turistas durante o festival de música no fim de semana."),
        ("it", "Il comune ha deciso di chiudere la strada principale per lavori fino alla fine del mese."),
        ("nl", "De gemeente heeft besloten om de oude brug volgend jaar te vervangen door een nieuwe."),
        ("pl", "Rząd zapowiedział nowe przepisy dotyczące ochrony środowiska i transportu publicznego."),
        ("cs", "Vláda schválila nový zákon o ochraně přírody, který začne platit od příštího roku."),
        ("sv", "Regeringen har beslutat att bygga en ny järnväg mellan de två största städerna."),
        ("fi", "Kaupunki aikoo rakentaa uuden kirjaston keskustaan ensi vuoden aikana."),
        ("hu", "A város önkormányzata úgy döntött, hogy jövőre felújítja a régi hidat."),
        ("tr", "Belediye, gelecek yıl şehir merkezinde yeni bir kütüphane açmayı planlıyor."),
        ("ro", "Primăria a anunțat că va construi un nou parc în centrul orașului anul viitor."),
        ("vi", "Thành phố sẽ xây dựng một thư viện mới ở trung tâm vào năm tới."),
        ("id", "Pemerintah kota berencana membangun perpustakaan baru di pusat kota tahun depan."),
        ("ru", "Городские власти планируют построить новую библиотеку в центре города в следующем году."),
        ("uk", "Міська влада планує збудувати нову бібліотеку в центрі міста наступного року."),
        ("bg", "Общината планира да построи нова библиотека в центъра на града през следващата година."),
        ("ar", "تخطط بلدية المدينة لبناء مكتبة جديدة في وسط المدينة في العام المقبل."),
        ("hi", "नगर निगम अगले साल शहर के केंद्र में एक नया पुस्तकालय बनाने की योजना बना रहा है।"),
        ("zh", "市政府计划明年在市中心建造一座新的图书馆。"),
        ("ja", "市は来年、市の中心部に新しい図書館を建設する予定です。"),
        ("ko", "시는 내년에 도심에 새로운 도서관을 지을 계획입니다."),
        ("el", "Ο δήμος σχεδιάζει να χτίσει μια νέα βιβλιοθήκη στο κέντρο της πόλης τον επόμενο χρόνο."),
        ("he", "העירייה מתכננת לבנות ספרייה חדשה במרכז העיר בשנה הבאה."),
        ("th", "เทศบาลมีแผนจะสร้างห้องสมุดแห่งใหม่ในใจกลางเมืองในปีหน้า"),
    ];

    private static readonly LanguageFilter Filter = new();

    private static string[] Franc(IEnumerable<string> texts)
    {
        var request = JsonSerializer.Serialize(new { texts, only = Iso3To1.Keys.Where(k => k != "und").ToArray() });
        var answer = JsonSerializer.Deserialize<string[]>(NodeTools.RunScript("franc-detect.mjs", request))!;
        return [.. answer.Select(code => Iso3To1[code])];
    }

    private static string[] BpeTraining(string name) => File.ReadAllLines(Path.Combine(TestPaths.SharedData, "bpe-training", name));

    [Fact]
    public void AgreesWithFrancAndWithTheTruth()
    {
        var franc = Franc(Sentences.Select(s => s.Text));
        var ours = Sentences.Select(s => Filter.Identify(s.Text)[0].Language).ToArray();
        Assert.Equal(franc, ours);
        Assert.Equal(Sentences.Select(s => s.Language), ours);
    }

    [Fact]
    public void GermanAndEnglishBpeTrainingFiles()
    {
        var german = File.ReadAllText(Path.Combine(TestPaths.SharedData, "bpe-training", "german.txt"));
        // corpus.en in chunks of 20 lines: each chunk a document.
        var english = BpeTraining("corpus.en").Chunk(20).Select(lines => string.Join('\n', lines)).Take(40).ToArray();
        string[] ours = [Filter.Identify(german)[0].Language, .. english.Select(e => Filter.Identify(e)[0].Language)];
        Assert.Equal(Franc([german, .. english]), ours);

        var germanDoc = Doc(german);
        Assert.Equal("other_language", Filter.Apply(germanDoc).Reason);
        Assert.Equal("de", germanDoc.Meta[LanguageFilter.LanguageKey]!.GetValue<string>());
        Assert.True(germanDoc.Meta[LanguageFilter.ScoreKey]!.GetValue<double>() > 0.65);
        Assert.All(english, e => Assert.True(Filter.Apply(Doc(e)).Kept));
    }

    [Fact]
    public void WritesMetaAndKeepsEnglishProse()
    {
        var doc = Doc(Prose);
        Assert.True(Filter.Apply(doc).Kept);
        Assert.Equal("en", doc.Meta[LanguageFilter.LanguageKey]!.GetValue<string>());
        Assert.True(doc.Meta[LanguageFilter.ScoreKey]!.GetValue<double>() > 0.9);
    }

    [Fact]
    public void ConfiguredLanguagesAndLabelOnly()
    {
        var german = "Wir haben gestern Abend im Garten gesessen und über die Zukunft gesprochen.";
        Assert.True(new LanguageFilter(new LanguageFilterOptions { Languages = new HashSet<string> { "de", "fr" } }).Apply(Doc(german)).Kept);
        Assert.True(new LanguageFilter(new LanguageFilterOptions { LabelOnly = true }).Apply(Doc(german)).Kept);
        Assert.Equal("low_language_score", new LanguageFilter(new LanguageFilterOptions { MinScore = 1.0 }).Apply(Doc(Prose)).Reason);
    }

    [Fact]
    public void TooShortIsUndetermined()
    {
        Assert.Equal("und", Filter.Identify("Hi there")[0].Language);
        Assert.Equal("other_language", Filter.Apply(Doc("12345 67890 !!")).Reason);
    }
}
