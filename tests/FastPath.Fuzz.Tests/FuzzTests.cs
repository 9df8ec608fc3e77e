using FastPath.Fuzz.Tests.Corpus;
using FastPath.Fuzz.Tests.Memory;
using FastPath.Fuzz.Tests.Mutation;
using FastPath.Fuzz.Tests.Targets;

namespace FastPath.Fuzz.Tests;

/// <summary>
/// The mutation fuzzer, one test per target, each with its share of FASTPATH_FUZZ_SECONDS (default 60, so
/// about a minute in CI). A longer run: <c>FASTPATH_FUZZ_SECONDS=3600 ./test.sh --filter "FullyQualifiedName~Fuzz"</c>
/// (a target's share is cut into rounds of at most five minutes, one test case each, below test.sh's hang
/// timeout); a replay: FASTPATH_FUZZ_SEED=N. Any failure leaves its reproducer in tests/corpus/found/ and names it.
/// </summary>
public sealed class FuzzTests
{
    private const double WireShare = 0.25;
    private const double DecodeShare = 0.20;
    private const double StackShare = 0.40;
    private const double FragmentShare = 0.15;

    public static TheoryData<int> WireRounds => FuzzSettings.Rounds(WireShare);
    public static TheoryData<int> DecodeRounds => FuzzSettings.Rounds(DecodeShare);
    public static TheoryData<int> StackRounds => FuzzSettings.Rounds(StackShare);
    public static TheoryData<int> FragmentRounds => FuzzSettings.Rounds(FragmentShare);

    [Theory]
    [MemberData(nameof(WireRounds))]
    public void Wire_parsers_survive_mutants(int round)
    {
        var target = new WireTarget();
        FuzzRunner.RunParser("wire", WireShare, round, target.Run).Publish();
    }

    [Theory]
    [MemberData(nameof(DecodeRounds))]
    public void Decoder_survives_mutants(int round)
    {
        var target = new DecoderTarget();
        FuzzRunner.RunParser("decode", DecodeShare, round, target.Run).Publish();
    }

    [Theory]
    [MemberData(nameof(StackRounds))]
    public void Stack_survives_mutants(int round)
    {
        FuzzRunner.RunStack("stack", StackShare, round, fragmentsOnly: false).Publish();
    }

    [Theory]
    [MemberData(nameof(FragmentRounds))]
    public void Stack_survives_fragment_games(int round)
    {
        FuzzRunner.RunStack("fragments", FragmentShare, round, fragmentsOnly: true).Publish();
    }
}

/// <summary>
/// Every run, fast: the whole corpus (real captures, vectors, every reproducer in found/) through every
/// target, as is and, for the stack, addressed to it. A reproducer that still fails fails here.
/// </summary>
public sealed class CorpusReplayTests
{
    [Fact]
    public void No_test_host_died_on_an_input_last_run()
    {
        List<string> written = InFlightInput.TakeLeftovers();
        Assert.True(written.Count == 0,
            $"a previous fuzz run died while feeding an input (a fault?); its reproducers: {string.Join(", ", written)}");
    }

    [Fact]
    public void Corpus_replays_through_every_target()
    {
        List<CorpusFrame> seeds = CorpusFiles.LoadSeeds();
        Assert.True(seeds.Count >= 80, $"only {seeds.Count} frames in the corpus");
        var wire = new WireTarget();
        var decoder = new DecoderTarget();
        using var guard = new GuardedBuffer(Mutant.Capacity);
        using var stack = new StackTarget(FuzzSettings.DefaultSeed);
        var mutant = new Mutant();
        foreach (CorpusFrame frame in seeds)
        {
            Replay(frame.Origin, () =>
            {
                wire.Run(guard.Place(frame.Bytes));
                decoder.Run(guard.Place(frame.Bytes));
                stack.Feed(frame.Bytes);
                mutant.Load(frame.Bytes);
                stack.Retarget(mutant);
                stack.Feed(mutant.Bytes);
            });
        }
        Replay("the corpus (end of batch)", stack.EndBatch);
        TestContext.Current.TestOutputHelper?.WriteLine($"corpus: {seeds.Count} frames replayed through wire, decode and the stack");
    }

    [Fact]
    public void Every_reproducer_replays_in_order_through_a_fresh_stack()
    {
        foreach (Reproducer reproducer in CorpusFiles.LoadReproducers())
        {
            using var stack = new StackTarget(FuzzSettings.DefaultSeed);
            for (int i = 0; i < reproducer.Frames.Count; i++)
            {
                byte[] frame = reproducer.Frames[i];
                Replay($"{CorpusFiles.Relative(reproducer.File)} frame {i + 1}", () => stack.Feed(frame));
            }
            Replay($"{CorpusFiles.Relative(reproducer.File)} (end of batch)", stack.EndBatch);
        }
    }

    private static void Replay(string origin, Action action)
    {
        try
        {
            action();
        }
        catch (Exception exception)
        {
            Assert.Fail($"corpus frame {origin} fails: {exception.GetType().Name}: {exception.Message}\n{exception}");
        }
    }
}
