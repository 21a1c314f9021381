using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Strata.Models.Tests;

/// <summary>
/// TorchSharp frees a <c>Scalar</c> in its finalizer. A Scalar made on the fly (<c>a + b</c> passes alpha = 1,
/// <c>t * 0.5</c> converts 0.5) is unreachable once its handle is read, so a garbage collection during the native call
/// can free it while libtorch still reads it: a run dies thousands of steps in with "Expected false to be true …
/// toFloat". Such a crash is too rare to catch by running code, so this reads the compiled IL instead: TorchSharp's,
/// to learn which of its methods make a temporary Scalar (directly or through another), and Strata's, to check that
/// none of its code calls one or makes one itself without keeping it. <see cref="HeldScalars"/> is the way round.
/// </summary>
public class HeldScalarsTests
{
    [Fact]
    public void NoStrataCodeHandsNativeCodeATemporaryScalar()
    {
        var directory = AppContext.BaseDirectory;
        var hazards = TorchSharpMethodsMakingTemporaryScalars(Path.Combine(directory, "TorchSharp.dll"));
        // The analysis must find the hazards it exists for, or it would pass by finding nothing.
        Assert.Contains(hazards, h => h.StartsWith("TorchSharp.torch/Tensor TorchSharp.torch/Tensor::op_Addition(TorchSharp.torch/Tensor,TorchSharp.torch/Tensor)", StringComparison.Ordinal));
        Assert.DoesNotContain(hazards, h => h.StartsWith("TorchSharp.torch/Tensor TorchSharp.torch/Tensor::add(TorchSharp.torch/Tensor,TorchSharp.Scalar)", StringComparison.Ordinal));

        var assemblies = Directory.GetFiles(directory, "Strata.*.dll").Where(f => !f.Contains(".Tests.", StringComparison.Ordinal))
            .Append(Path.Combine(directory, "strata.dll")).ToList();                       // the CLI
        Assert.Contains(assemblies, f => f.EndsWith("Strata.Training.dll", StringComparison.Ordinal));
        var offences = new List<string>();
        foreach (var file in assemblies)
        {
            using var assembly = Read(file, symbols: true);
            foreach (var method in Bodies(assembly))
                foreach (var instruction in method.Body.Instructions)
                {
                    if (instruction.Operand is not MethodReference callee) continue;
                    string? why = hazards.Contains(callee.FullName) ? $"calls {callee.DeclaringType.Name}.{callee.Name}({string.Join(", ", callee.Parameters.Select(p => p.ParameterType.Name))})"
                        : MakesScalar(callee) && !Kept(instruction) ? "makes a Scalar it does not keep"
                        : null;
                    if (why is not null) offences.Add($"{Where(method, instruction)} {method.DeclaringType.FullName}.{method.Name} {why}");
                }
        }
        Assert.True(offences.Count == 0, "Temporary Scalars reach native code (use HeldScalars.Plus or a Scalar held in a field):\n" + string.Join("\n", offences));
    }

    /// <summary>TorchSharp methods that make a Scalar and pass it on, and every TorchSharp method that calls one.</summary>
    private static HashSet<string> TorchSharpMethodsMakingTemporaryScalars(string path)
    {
        using var torchSharp = Read(path, symbols: false);
        var methods = Bodies(torchSharp).ToList();
        var hazards = methods
            .Where(m => !MakesScalar(m) && m.Body.Instructions.Any(i => i.Operand is MethodReference r && MakesScalar(r) && !Kept(i)))
            .Select(m => m.FullName).ToHashSet();
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var method in methods)
                if (!hazards.Contains(method.FullName) && method.Body.Instructions.Any(i => i.Operand is MethodReference r && hazards.Contains(r.FullName)))
                    grew = hazards.Add(method.FullName);
        }
        return hazards;
    }

    /// <summary>An implicit conversion or <c>ToScalar</c> from a number: a new native Scalar.</summary>
    private static bool MakesScalar(MethodReference method) =>
        method.ReturnType.FullName == "TorchSharp.Scalar" && method.Name is "op_Implicit" or "ToScalar"
        && method.Parameters.Count == 1 && method.Parameters[0].ParameterType.IsPrimitive;

    /// <summary>Whether the value the instruction leaves is stored (field, local) or returned rather than passed on.</summary>
    private static bool Kept(Instruction instruction)
    {
        var next = instruction.Next;
        while (next is not null && next.OpCode.Code == Code.Nop) next = next.Next;
        return next?.OpCode.Code is Code.Stfld or Code.Stsfld or Code.Stloc or Code.Stloc_S
            or Code.Stloc_0 or Code.Stloc_1 or Code.Stloc_2 or Code.Stloc_3 or Code.Ret;
    }

    private static IEnumerable<MethodDefinition> Bodies(AssemblyDefinition assembly) =>
        assembly.MainModule.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody);

    private static AssemblyDefinition Read(string path, bool symbols)
    {
        try
        {
            return AssemblyDefinition.ReadAssembly(path, new ReaderParameters { ReadSymbols = symbols });
        }
        catch (Exception e) when (symbols && e is SymbolsNotFoundException or SymbolsNotMatchingException)
        {
            return AssemblyDefinition.ReadAssembly(path);
        }
    }

    private static string Where(MethodDefinition method, Instruction instruction)
    {
        var point = method.DebugInformation.SequencePoints.LastOrDefault(p => p.Offset <= instruction.Offset && !p.IsHidden);
        return point is null ? "" : $"{Path.GetFileName(point.Document.Url)}:{point.StartLine}";
    }
}
