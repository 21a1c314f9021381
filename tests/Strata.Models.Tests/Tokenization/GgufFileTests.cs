using Strata.Models.Gguf;
using Strata.Models.Tests.Support;

namespace Strata.Models.Tests.Tokenization;

public class GgufFileTests
{
    [Fact]
    public void ReadsARealVocabularyFile()
    {
        var gguf = GgufFile.Read(VocabTestVectors.GgufPath("gpt-2"));
        Assert.Equal(3u, gguf.Version);
        Assert.Equal("gpt2", gguf.GetString("tokenizer.ggml.model"));
        Assert.True(gguf.TryGet("tokenizer.ggml.tokens", out string[] tokens));
        Assert.Equal(50257, tokens.Length);
        Assert.Equal("!", tokens[0]);
        Assert.Equal("<|endoftext|>", tokens[50256]);
        Assert.True(gguf.TryGet("tokenizer.ggml.token_type", out int[] types));
        Assert.Equal(tokens.Length, types.Length);
        Assert.Equal(GgufValueType.Array, gguf.MetadataTypes["tokenizer.ggml.merges"]);
        Assert.Equal(0, gguf.DataOffset % gguf.Alignment);
    }

    [Fact]
    public void ReadsEveryValueTypeNestedArraysAndTensorInfos()
    {
        byte[] nested =
        [
            .. BitConverter.GetBytes(9u), .. BitConverter.GetBytes(2ul),
            .. BitConverter.GetBytes(5u), .. BitConverter.GetBytes(2ul), .. BitConverter.GetBytes(-1), .. BitConverter.GetBytes(7),
            .. BitConverter.GetBytes(8u), .. BitConverter.GetBytes(1ul), .. GgufBuilder.Str("x"),
        ];
        byte[] file = new GgufBuilder(version: 2)
            .Raw("u8", 0, [200]).Raw("i8", 1, [0xFE]).Raw("u16", 2, BitConverter.GetBytes((ushort)65000))
            .Raw("i16", 3, BitConverter.GetBytes((short)-300)).UInt32("general.alignment", 64)
            .Raw("i32", 5, BitConverter.GetBytes(-70000)).Raw("f32", 6, BitConverter.GetBytes(1.5f)).Raw("bool", 7, [1])
            .String("s", "héllo").Raw("u64", 10, BitConverter.GetBytes(ulong.MaxValue)).Raw("i64", 11, BitConverter.GetBytes(-5L))
            .Raw("f64", 12, BitConverter.GetBytes(2.25)).Raw("nested", 9, nested)
            .Tensor("w", [4, 3], 1, 0).Tensor("b", [3], 0, 64)
            .Build();
        string path = Path.Combine(TestPaths.NewTemporaryDirectory(), "all.gguf");
        File.WriteAllBytes(path, file);

        var gguf = GgufFile.Read(path);
        Assert.Equal(2u, gguf.Version);
        Assert.Equal((byte)200, gguf.Metadata["u8"]);
        Assert.Equal((sbyte)-2, gguf.Metadata["i8"]);
        Assert.Equal((ushort)65000, gguf.Metadata["u16"]);
        Assert.Equal((short)-300, gguf.Metadata["i16"]);
        Assert.Equal(-70000, gguf.Metadata["i32"]);
        Assert.Equal(1.5f, gguf.Metadata["f32"]);
        Assert.Equal(true, gguf.GetBool("bool"));
        Assert.Equal("héllo", gguf.GetString("s"));
        Assert.Equal(ulong.MaxValue, gguf.Metadata["u64"]);
        Assert.Equal(-5L, gguf.GetInteger("i64"));
        Assert.Equal(2.25, gguf.Metadata["f64"]);
        var outer = Assert.IsType<object[]>(gguf.Metadata["nested"]);
        Assert.Equal(new[] { -1, 7 }, Assert.IsType<int[]>(outer[0]));
        Assert.Equal(new[] { "x" }, Assert.IsType<string[]>(outer[1]));

        Assert.Equal(64, gguf.Alignment);
        Assert.Equal(2, gguf.Tensors.Count);
        Assert.Equal(new GgufTensorInfo("w", [4ul, 3ul], 1, 0).Name, gguf.Tensors[0].Name);
        Assert.Equal(new ulong[] { 4, 3 }, gguf.Tensors[0].Shape);
        Assert.Equal(1u, gguf.Tensors[0].GgmlType);
        Assert.Equal(64ul, gguf.Tensors[1].Offset);
        Assert.Equal((file.Length + 63) / 64 * 64, gguf.DataOffset);
    }
}
