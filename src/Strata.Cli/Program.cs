using Strata.Cli;

return await StrataCli.RunAsync(args, Console.Out, Console.Error);
