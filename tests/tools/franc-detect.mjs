// Identifies the language of texts with franc, an independent reference for Strata's trigram classifier.
// stdin:  {"texts": ["...", ...], "only": ["eng", ...]}   (only: optional ISO 639-3 codes to choose among)
// stdout: ["eng", ...]  franc's best language per text ("und" when undetermined).
import { readFileSync } from "node:fs";
import { franc } from "franc";

const request = JSON.parse(readFileSync(0, "utf8"));
const options = request.only ? { only: request.only } : {};
process.stdout.write(JSON.stringify(request.texts.map((text) => franc(text, options))) + "\n");
