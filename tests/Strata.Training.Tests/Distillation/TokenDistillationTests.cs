using System.Text.Json.Nodes;
using Strata.Cli;
using Strata.Models.Loading;
using Strata.Training.Distillation;
using Strata.Training.Loop;
using Strata.Training.Tuning;
using TorchSharp;
using static TorchSharp.torch;

namespace Strata.Training.Tests.Distillation;

/// <summary>
/// Token-level distillation: the losses against an independent numpy/scipy reference (tests/tools/kd_reference.py),
/// the teacher's top-k cache against the teacher run beside the student, resumable cache builds, a student that
/// actually moves towards its teacher, and refusals named by flag.
/// </summary>
public class TokenDistillationTests
{
    private static readonly string Conversations = Path.Combine(TestPaths.SharedData, "conversations", "fastchat-dummy_conversation.json");

    private static JsonObject Golden() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Golden, "distillation", "kd_losses.json")))!.AsObject();

    private static Tensor Floats(JsonNode node, params long[] shape) =>
        tensor(node.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray(), shape);

    private static Tensor Longs(JsonNode node, params long[] shape) =>
        tensor(node.AsArray().Select(v => v!.GetValue<long>()).ToArray(), shape);

    [Fact]
    public void LossesMatchTheNumpyReference()
    {
        var golden = Golden();
        long[] shape = golden["shape"]!.AsArray().Select(v => v!.GetValue<long>()).ToArray();
        double tau = golden["temperature"]!.GetValue<double>(), alpha = golden["alpha"]!.GetValue<double>();
        int k = golden["top_k"]!.GetValue<int>();
        using var scope = NewDisposeScope();
        var student = Floats(golden["student"]!, shape);
        var teacherLogits = Floats(golden["teacher"]!, shape);
        var targets = Longs(golden["targets"]!, shape[0], shape[1]);
        var positions = TeacherTargets.Positions(targets);
        var flatStudent = student.view(-1, shape[2]).index_select(0, positions);
        var flatTeacher = teacherLogits.view(-1, shape[2]).index_select(0, positions);
        long n = positions.shape[0];
        var topIds = Longs(golden["teacher_top_ids"]!, n, k);
        var topLogprobs = Floats(golden["teacher_top_logprobs"]!, n, k);

        void Near(string key, Tensor value) => Assert.Equal(golden[key]!.GetValue<double>(), value.item<float>(), 1e-5);
        Near("forward", DistillationLoss.Forward(flatStudent, flatTeacher, tau));
        Near("reverse", DistillationLoss.Reverse(flatStudent, flatTeacher, tau));
        Near("top_k_forward", DistillationLoss.ForwardTopK(flatStudent, topIds, topLogprobs, tau));
        Near("hard", NextTokenLoss.Of(student, targets));

        var teacherLogprobs = nn.functional.log_softmax(flatTeacher, -1);
        TrainingBatch Batch(TeacherTargets teacher) => new(zeros(1), targets.alias()) { Teacher = teacher };
        var config = new TokenDistillationConfig { Temperature = tau, Alpha = alpha };
        Near("objective_forward", new DistillationObjective(config).Loss(student, Batch(new TeacherTargets(teacherLogprobs.alias(), null))));
        Near("objective_reverse", new DistillationObjective(config with { Divergence = Divergence.Reverse })
            .Loss(student, Batch(new TeacherTargets(teacherLogprobs.alias(), null))));
        Near("objective_top_k", new DistillationObjective(config with { TopK = k }).Loss(student, Batch(new TeacherTargets(topLogprobs.alias(), topIds.alias()))));
    }

    [Fact]
    public void TopKOverTheWholeVocabularyIsTheForwardDivergenceAndAStudentEqualToItsTeacherHasNone()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var student = randn([6, 11], generator: generator);
        var teacher = randn([6, 11], generator: generator).mul(3);
        var logprobs = nn.functional.log_softmax(teacher, -1);
        var (values, ids) = logprobs.topk(11);
        double full = DistillationLoss.Forward(student, teacher, 1.5).item<float>();
        Assert.Equal(full, DistillationLoss.ForwardTopK(student, ids, values, 1.5).item<float>(), 1e-5);
        Assert.True(full > 0.05);
        Assert.Equal(0, DistillationLoss.Forward(teacher, logprobs, 1.5).item<float>(), 1e-5);
        Assert.Equal(0, DistillationLoss.Reverse(teacher, logprobs, 1.5).item<float>(), 1e-5);
    }

    private static async Task<(string Teacher, string Student)> Models(string root)
    {
        string teacher = Path.Combine(root, "teacher"), student = Path.Combine(root, "student");
        var log = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(["init", "--preset", "tiny", "--out", teacher, "--seed", "3"], log, log));
        Assert.Equal(0, await StrataCli.RunAsync(["init", "--preset", "nano", "--out", student, "--seed", "4"], log, log));
        return (teacher, student);
    }

    private static TuneData Data(string model, int batchSize = 4)
    {
        var package = ModelPackage.Open(model);
        var format = new ChatFormat(package.Tokenizer);
        var rows = new SequencePacker().Pack(ConversationReader.Read(Conversations).Select(format.Render), 128, pack: true).ToList();
        return new TuneData(rows, rows.Take(2).ToList(), batchSize, format.ImEndId, seed: 5);
    }

    [Fact]
    public async Task TheCachedTopKIsTheTeacherBesideTheStudentCutToKAndResumesShardByShard()
    {
        string root = TestPaths.NewTemporaryDirectory();
        var (teacherDirectory, _) = await Models(root);
        var data = Data(teacherDirectory);
        using var teacher = ModelPackage.Open(teacherDirectory).LoadTorchModel();
        string cacheDirectory = Path.Combine(root, "cache");
        var cache = TeacherTopKCache.Build(teacher, teacherDirectory, data.Rows, 5, data.PadId, cacheDirectory);
        var beside = new TeacherBesideStudent(data, teacher);
        var cached = new CachedTeacher(data, cache);
        for (long index = 0; index < 3; index++)
        {
            using var scope = NewDisposeScope();
            using var full = beside.Batch(index);
            using var top = cached.Batch(index);
            Assert.Equal(full.Targets.data<long>().ToArray(), top.Targets.data<long>().ToArray());
            var (values, ids) = full.Teacher!.Logprobs.topk(5);
            Assert.Equal(ids.data<long>().ToArray(), top.Teacher!.Ids!.data<long>().ToArray());
            Assert.True(values.allclose(top.Teacher.Logprobs, rtol: 0, atol: 1e-6));
        }

        // A second build reads the shards instead of recomputing them; a lost shard is recomputed alone.
        string[] shards = Directory.GetFiles(cacheDirectory, "shard-*.bin");
        Assert.NotEmpty(shards);
        var written = shards.ToDictionary(s => s, File.GetLastWriteTimeUtc);
        File.Delete(shards[0]);
        var messages = new List<string>();
        var again = TeacherTopKCache.Build(teacher, teacherDirectory, data.Rows, 5, data.PadId, cacheDirectory, new SyncProgress(messages));
        Assert.Single(messages);
        foreach (string shard in shards.Skip(1)) Assert.Equal(written[shard], File.GetLastWriteTimeUtc(shard));
        using (var a = cache.Targets([0, 1, 2]))
        using (var b = again.Targets([0, 1, 2]))
        {
            Assert.Equal(a.Ids!.data<long>().ToArray(), b.Ids!.data<long>().ToArray());
        }

        // Other rows (here: fewer of them) make the old cache stale: it is rebuilt, not misused.
        messages.Clear();
        var fewer = data.Rows.Take(data.Rows.Count - 1).ToList();
        TeacherTopKCache.Build(teacher, teacherDirectory, fewer, 5, data.PadId, cacheDirectory, new SyncProgress(messages));
        Assert.Contains(messages, m => m.Contains("rebuilding"));
    }

    [Fact]
    public async Task ADistilledStudentMovesTowardsItsTeacher()
    {
        string root = TestPaths.NewTemporaryDirectory();
        var (untrained, studentDirectory) = await Models(root);
        // A random teacher is nearly uniform, as is a random student; a briefly tuned one has opinions to pass on.
        string teacherDirectory = Path.Combine(root, "tuned-teacher");
        var log = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(["tune", "--model", untrained, "--data", Conversations, "--out", teacherDirectory,
            "--max-steps", "25", "--batch-size", "4", "--context-length", "128", "--learning-rate", "1e-2"], log, log));
        string output = Path.Combine(root, "distilled");
        // alpha 1: the teacher alone teaches, so the only way to lower the loss is to match it.
        int code = await StrataCli.RunAsync(
            ["tune", "--model", studentDirectory, "--data", Conversations, "--out", output, "--teacher", teacherDirectory, "--kd-alpha", "1",
             "--max-steps", "30", "--batch-size", "4", "--context-length", "128", "--learning-rate", "3e-3"], log, log);
        Assert.True(code == 0, log.ToString());
        Assert.Contains("teacher beside the student", log.ToString());

        double Divergence(string model)
        {
            var data = Data(studentDirectory);
            using var teacher = ModelPackage.Open(teacherDirectory).LoadTorchModel();
            using var student = ModelPackage.Open(model).LoadTorchModel();
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            using var batch = new TeacherBesideStudent(data, teacher).Batch(0);
            var logits = student.forward(batch.Inputs, attentionMask: batch.AttentionMask);
            var trained = logits.view(-1, logits.shape[^1]).index_select(0, TeacherTargets.Positions(batch.Targets));
            return DistillationLoss.Forward(trained, batch.Teacher!.Logprobs, 1).item<float>();
        }
        double before = Divergence(studentDirectory), after = Divergence(output);
        Assert.True(after < 0.7 * before, $"KL(teacher ‖ student) {before:F3} before, {after:F3} after distillation");
    }

    [Theory]
    [InlineData("--kd-alpha", "1.5", "--kd-alpha")]
    [InlineData("--kd-temperature", "0", "--kd-temperature")]
    [InlineData("--kd-divergence", "reverse", "--kd-top-k")]
    public async Task BadDistillationSettingsAreRefusedByName(string flag, string value, string named)
    {
        string root = TestPaths.NewTemporaryDirectory();
        var (teacher, student) = await Models(root);
        var log = new StringWriter();
        string[] extra = flag == "--kd-divergence" ? ["--kd-top-k", "8"] : [];
        int code = await StrataCli.RunAsync(
            ["tune", "--model", student, "--data", Conversations, "--out", Path.Combine(root, "out"), "--teacher", teacher, flag, value, .. extra, "--max-steps", "2"], log, log);
        Assert.NotEqual(0, code);
        Assert.Contains(named, log.ToString());
    }

    [Fact]
    public async Task ATeacherWithAnotherTokenizerIsRefused()
    {
        string root = TestPaths.NewTemporaryDirectory();
        var (_, student) = await Models(root);
        string tokenizer = Path.Combine(root, "other-tokenizer.json"), teacher = Path.Combine(root, "other-teacher");
        var log = new StringWriter();
        Assert.Equal(0, await StrataCli.RunAsync(["tokenizer", "train", "--input", Path.Combine(TestPaths.SharedData, "bpe-training", "tinystories_sample.txt"),
            "--vocab-size", "400", "--out", tokenizer], log, log));
        Assert.Equal(0, await StrataCli.RunAsync(["init", "--preset", "nano", "--tokenizer", tokenizer, "--out", teacher], log, log));
        var error = new StringWriter();
        int code = await StrataCli.RunAsync(
            ["tune", "--model", student, "--data", Conversations, "--out", Path.Combine(root, "out"), "--teacher", teacher, "--max-steps", "2"], error, error);
        Assert.NotEqual(0, code);
        Assert.Contains("tokenizer differs", error.ToString());
    }

    private sealed class SyncProgress(List<string> messages) : IProgress<string>
    {
        public void Report(string value) => messages.Add(value);
    }
}
