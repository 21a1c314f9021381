// Writes src/Strata.Data/Filters/Languages/profiles.json from franc's data (MIT, Titus Wormer): the script
// expressions (all of them) and the trigram lists of a chosen set of major languages, keyed by ISO 639-1 codes.
// Usage (from tests/tools): node make-language-profiles.mjs > ../../src/Strata.Data/Filters/Languages/profiles.json
import { data } from "franc/data.js";
import { expressions } from "franc/expressions.js";

// franc (ISO 639-3) → ISO 639-1, for the languages kept. Scripts with one language map that language.
export const codes = {
  eng: "en", deu: "de", fra: "fr", spa: "es", por: "pt", ita: "it", nld: "nl", pol: "pl", ces: "cs", slk: "sk",
  swe: "sv", dan: "da", nob: "no", fin: "fi", hun: "hu", ron: "ro", tur: "tr", vie: "vi", ind: "id", hrv: "hr",
  rus: "ru", ukr: "uk", bul: "bg", arb: "ar", pes: "fa", urd: "ur", hin: "hi", mar: "mr", heb: "he",
  cmn: "zh", jpn: "ja", kor: "ko", ell: "el", tha: "th", ben: "bn", tam: "ta", kat: "ka", hye: "hy",
};

const scripts = {};
for (const [script, expression] of Object.entries(expressions)) {
  const languages = data[script];
  if (languages === undefined) {
    // Every script stays, so the choice of script is franc's; one without a kept language answers its franc code.
    scripts[script] = { expression: expression.source, language: codes[script] ?? script };
    continue;
  }
  const kept = {};
  for (const [language, trigrams] of Object.entries(languages)) {
    if (codes[language]) kept[codes[language]] = trigrams;
  }
  scripts[script] = { expression: expression.source, languages: kept };
}
process.stdout.write(JSON.stringify({
  source: "franc 6.2.0 (https://github.com/wooorm/franc), MIT licence, see LICENSE-franc",
  scripts,
}, null, 1) + "\n");
