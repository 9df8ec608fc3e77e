using FastPath.Fuzz.Tests.Corpus;
using FastPath.Fuzz.Tests.Memory;
using FastPath.Fuzz.Tests.Mutation;
using FastPath.Fuzz.Tests.Targets;

namespace FastPath.Fuzz.Tests;

/// <summary>
/// The mutation fuzzer, one test per target, each with its share of FASTPATH_FUZZ_SECONDS (default 60, so
/// about a minute in CI). A longer run: <c>FASTPATH_FUZZ_SECONDS=3600 ./test.sh --filter "FullyQualifiedName~Fuzz"</c>;
/// a replay: FASTPATH_FUZZ_SEED=N. Any failure leaves its reproducer in tests/corpus/found/ and names it.
/// </summary>
public sealed class FuzzTests
{
    [Fact]
    public void Wire_parsers_survive_mutants()
    {
        var target = new WireTarget();
        FuzzRunner.RunParser("wire", 0.25, target.Run).Publish();
    }

    [Fact]
    public void Decoder_survives_mutants()
    {
        var target = new DecoderTarget();
        FuzzRunner.RunParser("decode", 0.20, target.Run).Publish();
    }

    [Fact]
    public void Stack_survives_mutants()
    {
        FuzzRunner.RunStack("stack", 0.40, fragmentsOnly: false).Publish();
    }

    [Fact]
    public void Stack_survives_fragment_games()
    {
        FuzzRunner.RunStack("fragments", 0.15, fragmentsOnly: true).Publish();
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
