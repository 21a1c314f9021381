#!/usr/bin/env bash
# The distillation measurement in docs/training.md, end to end (about 45 minutes on 2 cores):
# a 3.4M-parameter teacher tuned on the quickstart's command tasks, a 0.42M-parameter student (8.2x smaller) trained
# three ways — on the original data, on the teacher's answers (sequence-level KD), on the original data with the
# teacher's top-32 distributions (token-level KD) — then all scored on the quickstart's 100 held-out instructions and
# timed. Needs `strata quickstart` to have run (models/quickstart). Usage: bench/distillation.sh [OUT]
set -euo pipefail
OUT=${1:-distillation-run}
Q=${QUICKSTART:-models/quickstart}
dotnet build -c Release src/Strata.Cli -o "$OUT/cli" > /dev/null
dotnet build -c Release bench/Strata.Bench -o "$OUT/bench" > /dev/null
S="dotnet $OUT/cli/strata.dll"
STEPS="--max-steps 1500 --batch-size 16 --context-length 128 --eval-interval 500 --checkpoint-interval 1500"

$S tune --stage command --model "$Q/base" --data "$Q/data/command.jsonl" --out "$OUT/teacher" $STEPS --learning-rate 1e-3 --resume
$S pretrain --input "$Q/data/tinyshakespeare.txt" --tokenizer "$Q/base/tokenizer.json" --layers 2 --hidden-size 96 --heads 4 \
    --intermediate-size 256 --context-length 128 --batch-size 16 --max-steps 2000 --learning-rate 2e-3 --out "$OUT/student-base" --resume
$S distill --teacher "$OUT/teacher" --prompts "$Q/data/command.jsonl" --out "$OUT/seqkd-data" --temperature 0 --max-tokens 64

T="--stage command $STEPS --learning-rate 2e-3 --model $OUT/student-base"
$S tune $T --data "$Q/data/command.jsonl" --out "$OUT/original" --resume
$S tune $T --data "$OUT/seqkd-data/answers.jsonl" --out "$OUT/seq-kd" --resume
$S tune $T --data "$Q/data/command.jsonl" --out "$OUT/token-kd" --teacher "$OUT/teacher" --kd-top-k 32 --resume

$S eval --model "$OUT/teacher=teacher" --model "$OUT/original=original" --model "$OUT/seq-kd=seq-kd" --model "$OUT/token-kd=token-kd" \
    --tasks "$Q/eval/command.yaml" --out "$OUT/eval"
cat "$OUT/eval/results.md"
for model in teacher token-kd; do
    for threads in 1 2; do
        echo "$model, $threads threads: $(dotnet "$OUT/bench/Strata.Bench.dll" inference --model "$OUT/$model" --prompt 8 --decode 119 --batch 1 --runs 9 --threads $threads | grep median)"
    done
done
