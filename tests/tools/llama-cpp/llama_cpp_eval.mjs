// Runs a GGUF in llama.cpp (node-llama-cpp 3.21.1, installed in the current directory; see ggml_crosscheck.py) — not
// run by `dotnet test`. Run from that directory:
//   node REPO/tests/tools/llama-cpp/llama_cpp_eval.mjs logprobs MODEL.gguf GOLDEN.json
//       log p(input_ids[t] | input_ids[:t]) and 16 greedy tokens against a Golden/models/*/golden.json, with an F32
//       KV cache and no flash attention so llama.cpp's own rounding stays below the comparison
//   node REPO/tests/tools/llama-cpp/llama_cpp_eval.mjs tokenize MODEL.gguf TEXTS.json
//       llama.cpp's token ids (no BOS) for a JSON array of texts, printed as a JSON array of arrays
import fs from "node:fs";
import path from "node:path";
import {pathToFileURL} from "node:url";

const {getLlama} = await import(pathToFileURL(path.join(process.cwd(), "node_modules", "node-llama-cpp", "dist", "index.js")).href);
const [mode, modelPath, dataPath] = process.argv.slice(2);
const data = JSON.parse(fs.readFileSync(dataPath, "utf8"));
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});

if (mode === "tokenize") {
    const model = await llama.loadModel({modelPath, vocabOnly: true});
    console.log(JSON.stringify(data.map(text => Array.from(model.tokenize(text, false)))));
} else if (mode === "logprobs") {
    const model = await llama.loadModel({modelPath});
    const context = await model.createContext({
        contextSize: 256, batchSize: 64, threads: 1, flashAttention: false,
        experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
    });
    const sequence = context.getSequence();
    const ids = data.input_ids;
    const results = await sequence.controlledEvaluate(ids.map(t => [t, {generateNext: {probabilities: true}}]));
    let maxError = 0;
    for (let t = 1; t < ids.length; t++)
        maxError = Math.max(maxError, Math.abs(Math.log(results[t - 1].next.probabilities.get(ids[t])) - data.token_logprobs[t - 1]));
    const greedy = [];
    let next = results[ids.length - 1].next.probabilities;
    while (greedy.length < data.greedy.length) {
        const [token] = [...next.entries()].reduce((best, entry) => entry[1] > best[1] ? entry : best);
        greedy.push(token);
        next = (await sequence.controlledEvaluate([[token, {generateNext: {probabilities: true}}]]))[0].next.probabilities;
    }
    const same = greedy.every((t, i) => t === data.greedy[i]);
    console.log(`${modelPath}: max |log-prob − golden| ${maxError.toExponential(2)}, greedy ${same ? "identical" : `different: ${greedy}`}`);
} else {
    console.error("mode: logprobs or tokenize");
    process.exit(2);
}
