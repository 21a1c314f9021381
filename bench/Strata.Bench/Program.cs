// Strata benchmarks. Run in Release on an otherwise idle machine:
//   dotnet run -c Release --project bench/Strata.Bench -- inference [--runs 5] [--prompt 512] [--decode 64] [--threads N]
//   dotnet run -c Release --project bench/Strata.Bench -- context --model DIR --data DIR/data --context 64
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
    default:
        Console.Error.WriteLine("usage: Strata.Bench inference|context [flags]");
        return 2;
}
return 0;
