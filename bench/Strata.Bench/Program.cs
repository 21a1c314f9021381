// Strata benchmarks. Run in Release on an otherwise idle machine:
//   dotnet run -c Release --project bench/Strata.Bench -- inference [--model DIR|FILE.gguf] [--backend native|torch] [--runs 5] [--prompt 512] [--decode 64] [--batch 1,4,16] [--threads N]
//   dotnet run -c Release --project bench/Strata.Bench -- context --model DIR --data DIR/data --context 64
//   dotnet run -c Release --project bench/Strata.Bench -- serving [--model DIR|FILE.gguf] [--backend native|torch] [--clients 1,4,16] [--decode 64] [--prompt 24]
//   dotnet run -c Release --project bench/Strata.Bench -- step            # the batched forward pass alone
//   dotnet run -c Release --project bench/Strata.Bench -- dedup [--mb 200] [--words 400]
//   dotnet run -c Release --project bench/Strata.Bench -- extraction [--runs 3] [--readability-only]
//   dotnet run -c Release --project bench/Strata.Bench -- pipeline [--mb 200] [--workers 2,1]
//   dotnet run -c Release --project bench/Strata.Bench -- kernels         # one matrix-vector product per weight format
//   dotnet run -c Release --project bench/Strata.Bench -- perplexity --text FILE --context 256 --model A.gguf --model B.gguf
//   dotnet run -c Release --project bench/Strata.Bench -- cores           # what a second core gives, with and without allocation
//   dotnet run -c Release --project bench/Strata.Bench -- grounded [--model models/quickstart/dialogue] [--questions 60] [--clients 1,8]
//   dotnet run -c Release --project bench/Strata.Bench -- verified [--model models/quickstart/command] [--data models/quickstart/eval/command.jsonl] [--n 1,4,16]
//   dotnet run -c Release --project bench/Strata.Bench -- retrieval [--docs DIR] [--embedder DIR] [--reranker DIR] [--queries 300] [--pages N] [--seed 17] [--out FILE.json]
using Strata.Bench;

var arguments = new Arguments(args);
switch (args.FirstOrDefault() ?? "inference")
{
    case "inference":
        InferenceBenchmark.Run(arguments);
        break;
    case "context":
        ContextExtrapolation.Run(arguments);
        break;
    case "step":
        StepBenchmark.Run(arguments);
        break;
    case "extraction":
        ExtractionBenchmark.Run(arguments);
        break;
    case "serving":
        await ServingBenchmark.RunAsync(arguments);
        break;
    case "dedup":
        DedupBenchmark.Run(arguments);
        break;
    case "pipeline":
        PipelineBenchmark.Run(arguments);
        break;
    case "kernels":
        KernelBenchmark.Run(arguments);
        break;
    case "perplexity":
        PerplexityBenchmark.Run(arguments);
        break;
    case "cores":
        CoreScalingBenchmark.Run(arguments);
        break;
    case "retrieval":
        return await RetrievalBenchmark.RunAsync(arguments);
    case "grounded":
        await GroundedBenchmark.RunAsync(arguments);
        break;
    case "verified":
        await VerifiedSearchBenchmark.RunAsync(arguments);
        break;
    case "constrained":
        await ConstrainedDecodingBenchmark.RunAsync(arguments);
        break;
    default:
        Console.Error.WriteLine("usage: Strata.Bench inference|kernels|perplexity|context|step|serving|dedup|extraction|pipeline|cores|retrieval|grounded|verified|constrained [flags]");
        return 2;
}
return 0;
