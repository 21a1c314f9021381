// Independent reference: runs a GGUF file in llama.cpp (never Strata's code) and prints greedy tokens and
// next-token log-probabilities for given token ids.
//
// llama.cpp here is the prebuilt CPU build that node-llama-cpp 3.21.1 ships in @node-llama-cpp/linux-x64 3.21.1
// (both pinned in package.json): llama.cpp release v0.4.0 of ggml-org/llama.cpp (ggml 0.23, source snapshot of
// 2026-09-12), loaded through node-llama-cpp's own N-API addon. That build carries one libggml-cpu variant per
// x86-64 level (haswell, skylakex, icelake, sapphirerapids, zen4, ...) and ggml picks the best one for the CPU
// at load (libggml-cpu-zen4.so, AVX-512 + VNNI + BF16, on the project's machines). The output's `llama_cpp` field
// says which release and which CPU features ran.
//
// Installed by `npm ci` in tests/tools with NODE_LLAMA_CPP_SKIP_DOWNLOAD=true (node-llama-cpp's documented switch
// that turns its postinstall step, which may otherwise download and compile llama.cpp, into a no-op) and with
// omit=optional (tests/tools/.npmrc), so the CUDA/Vulkan/other-platform binaries are not installed. At run time
// getLlama({build: "never"}) uses the prebuilt binary only: nothing is downloaded or compiled.
//
// Low-level API only: LlamaModel -> LlamaContext -> LlamaContextSequence.controlledEvaluate with token ids; no
// tokenizer, no chat wrapper, no sampling randomness (temperature 0 = llama.cpp's greedy sampler, no penalties).
// End-of-generation tokens do not stop the greedy run.
//
// stdin (JSON):
//   {"model": "path.gguf", "tokens": [ids...], "greedy": N, "top_k": K, "threads": 2,
//    "prompt_logprobs": true,            optional, default true
//    "kv_cache_type": "F32" | "F16",     optional, default "F32" (llama.cpp's own default is F16; see below)
//    "flash_attention": false,           optional, default false
//    "context_size": C,                  optional, default tokens + greedy rounded up to 256
//    "batch_size": B}                    optional, default: the whole prompt in one batch
// stdout (JSON):
//   {"greedy": [N ids decoded greedily after the prompt],
//    "steps": [{"top": [[id, logprob], ... K most likely]} x (N + 1)]   after the prompt, then after each greedy token,
//    "prompt_logprobs": [log p(tokens[t] | tokens[<t]) for t = 1 .. len-1],
//    "llama_cpp": {"node_llama_cpp": "3.21.1", "release": "...", "repo": "...", "build": "prebuilt", "system_info": "..."}}
// Log-probabilities are ln of llama.cpp's float32 softmax of the raw logits (node-llama-cpp exposes probabilities,
// not logits); a probability that underflows to 0 is reported as null.
//
// Checked against llama.cpp b10573 (commit d775b89) built by hand from source, on random SmolLM2-135M-shaped GGUFs
// (F32, F16, Q8_0, Q4_0, Q4_K_M; 2 prompts, 16 greedy tokens, top 5; KV cache F32 and F16): greedy tokens and
// top-5 ids identical, prompt and step log-probs within 1.2e-5 in all ten cases, against a build with explicit
// AVX2 + AVX-512 F/VBMI/VNNI/BF16 flags and no AVX512-FP16 (GGML_NATIVE=OFF). A -march=native build on a CPU
// with AVX512-FP16 (this project's machines) differs: ggml then
// accumulates F16 dot products (F16 weights, F16 KV cache) in half precision, and its decode steps drift from this
// tool by up to 2e-3 (F16 weights) and 5e-4 (F32 weights) to 0.11 (Q4_K_M) with an F16 KV cache, enough to flip a
// random model's near-tie. The F32 KV cache is the default here because it keeps llama.cpp closest to an
// F32 reference; ask for "F16" to match llama.cpp's own default.
import { readFileSync } from "node:fs";
import { getLlama, getModuleVersion, LlamaLogLevel } from "node-llama-cpp";

const request = JSON.parse(readFileSync(0, "utf8"));
const modelPath = request.model;
const tokens = request.tokens ?? [];
const greedyCount = request.greedy ?? 0;
const topK = request.top_k ?? 10;
const threads = request.threads ?? 2;
const wantPromptLogprobs = request.prompt_logprobs ?? true;
const kvType = request.kv_cache_type ?? "F32";
if (typeof modelPath !== "string") throw new Error("request.model must be a path to a .gguf file");
if (!Array.isArray(tokens) || tokens.length === 0 || !tokens.every(Number.isInteger))
    throw new Error("request.tokens must be a non-empty array of token ids");

const llama = await getLlama({
    gpu: false,
    build: "never",
    usePrebuiltBinaries: true,
    skipDownload: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
    logger: (level, message) => process.stderr.write(message),
    maxThreads: threads,
});
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const vocabSize = model.tokens.vocabSize ?? Infinity;
for (const id of tokens)
    if (id < 0 || id >= vocabSize) throw new Error(`token id ${id} is outside the vocabulary (${vocabSize})`);

const needed = tokens.length + greedyCount + 1;
const context = await model.createContext({
    contextSize: request.context_size ?? Math.ceil(needed / 256) * 256,
    batchSize: request.batch_size ?? Math.max(tokens.length, 1),
    sequences: 1,
    threads,
    flashAttention: request.flash_attention ?? false,
    experimentalKvCacheKeyType: kvType,
    experimentalKvCacheValueType: kvType,
});
const sequence = context.getSequence({ contextShift: { size: 0 } });

const greedyOptions = { temperature: 0 };
const logOf = (p) => (p > 0 ? Math.log(p) : null);
const top = (probabilities) => {
    const out = [];
    for (const [id, p] of probabilities) {
        if (out.length >= topK) break;
        out.push([id, logOf(p)]);
    }
    return out;
};

// The prompt: every position asks for the next-token distribution when prompt log-probs are wanted,
// otherwise only the last one. The last one also asks llama.cpp's greedy sampler for its token.
const last = tokens.length - 1;
const promptResults = await sequence.controlledEvaluate(tokens.map((id, i) =>
    i === last
        ? [id, { generateNext: { probabilities: true, token: true, options: greedyOptions } }]
        : wantPromptLogprobs
            ? [id, { generateNext: { probabilities: true, options: greedyOptions } }]
            : id));

const result = { greedy: [], steps: [] };
if (wantPromptLogprobs) {
    result.prompt_logprobs = [];
    for (let t = 1; t < tokens.length; t++)
        result.prompt_logprobs.push(logOf(promptResults[t - 1].next.probabilities.get(tokens[t]) ?? 0));
}

let next = promptResults[last].next;
result.steps.push({ top: top(next.probabilities) });
for (let i = 0; i < greedyCount; i++) {
    const token = next.token;
    if (token == null) throw new Error("llama.cpp's greedy sampler returned no token");
    result.greedy.push(token);
    const [evaluated] = await sequence.controlledEvaluate([
        [token, { generateNext: { probabilities: true, token: true, options: greedyOptions } }],
    ]);
    next = evaluated.next;
    result.steps.push({ top: top(next.probabilities) });
}

result.llama_cpp = {
    node_llama_cpp: await getModuleVersion(),
    repo: llama.llamaCppRelease.repo,
    release: llama.llamaCppRelease.release,
    build: llama.buildType,
    system_info: llama.systemInfo,
};
process.stdout.write(JSON.stringify(result) + "\n");

await context.dispose();
await model.dispose();
await llama.dispose();
