using FastPath.Fuzz.Tests.Corpus;
using FastPath.Fuzz.Tests.Memory;
using FastPath.Fuzz.Tests.Mutation;
using FastPath.Fuzz.Tests.Targets;

namespace FastPath.Fuzz.Tests;

/// <summary>
/// The fuzzing loops. Each input is recorded in the in-flight file, placed to end at a guard page, and fed;
/// a failure (an exception, a broken check) writes a reproducer to tests/corpus/found/ and fails the test
/// with its name. First every seed truncated at every length (all lengths for frames up to 256 bytes), as is
/// and with its total length and checksums fitted, then random mutants until the budget is spent.
/// </summary>
internal static class FuzzRunner
{
    private const int StackBatch = 1024;
    private const int StackHistory = 24;

    public static FuzzReport RunParser(string target, double share, int round, Action<Span<byte>> run)
    {
        ulong seed = FuzzSettings.RoundSeed(round);
        var report = new FuzzReport(target, seed);
        List<byte[]> seeds = CorpusFiles.LoadSeeds().Select(frame => frame.Bytes).ToList();
        using var inFlight = new InFlightInput(target, seed);
        AnnounceInFlight(inFlight, target, seed);
        using var guard = new GuardedBuffer(Mutant.Capacity);
        var mutant = new Mutant();
        var random = new Random(Salt(seed, target));
        var mutator = new Mutator(random, seeds);
        TimeSpan budget = FuzzSettings.RoundBudget(share);

        void Feed(ReadOnlySpan<byte> bytes)
        {
            long input = ++report.Inputs;
            inFlight.Record(input, bytes);
            Span<byte> placed = guard.Place(bytes);
            try
            {
                run(placed);
            }
            catch (Exception exception)
            {
                Fail(target, seed, input, [bytes.ToArray()], exception);
            }
        }

        foreach (byte[] frame in round == 0 ? seeds : [])
        {
            foreach (int length in TruncationLengths(frame.Length))
            {
                mutant.Load(frame.AsSpan(0, length));
                Feed(mutant.Bytes);
                Checksums.FitTotalLength(mutant.Bytes);
                Checksums.Fix(mutant.Bytes);
                Feed(mutant.Bytes);
                report.Exhaustive += 2;
            }
        }
        while (true)
        {
            if ((report.Inputs & 255) == 0 && report.Elapsed >= budget) break;
            mutant.Load(seeds[random.Next(seeds.Count)]);
            mutator.Mutate(mutant);
            Feed(mutant.Bytes);
        }
        report.Notes.Add("mutations: " + string.Join(", ", Mutator.Names.Select((name, i) => $"{name} {mutator.Counts[i]}")));
        return report;
    }

    public static FuzzReport RunStack(string target, double share, int round, bool fragmentsOnly)
    {
        ulong seed = FuzzSettings.RoundSeed(round);
        var report = new FuzzReport(target, seed);
        List<byte[]> seeds = CorpusFiles.LoadSeeds().Select(frame => frame.Bytes).ToList();
        using var inFlight = new InFlightInput(target, seed);
        AnnounceInFlight(inFlight, target, seed);
        using var stack = new StackTarget(seed);
        var mutant = new Mutant();
        var random = new Random(Salt(seed, target));
        var mutator = new Mutator(random, seeds);
        var games = new FragmentGames(random);
        var history = new Queue<byte[]>();
        var fragments = new List<byte[]>();
        TimeSpan budget = FuzzSettings.RoundBudget(share);
        long sinceBatch = 0;

        void Feed(ReadOnlySpan<byte> bytes)
        {
            long input = ++report.Inputs;
            inFlight.Record(input, bytes);
            history.Enqueue(bytes.ToArray());
            if (history.Count > StackHistory) history.Dequeue();
            try
            {
                stack.Feed(bytes);
                if (++sinceBatch == StackBatch)
                {
                    sinceBatch = 0;
                    stack.EndBatch();
                }
            }
            catch (Exception exception)
            {
                Fail(target, seed, input, [.. history], exception);
            }
        }

        if (!fragmentsOnly && round == 0)
        {
            foreach (byte[] frame in seeds)
            {
                foreach (int length in TruncationLengths(frame.Length))
                {
                    mutant.Load(frame);
                    stack.Retarget(mutant);
                    mutant.Length = Math.Min(length, mutant.Length);
                    Feed(mutant.Bytes);
                    Checksums.FitTotalLength(mutant.Bytes);
                    Checksums.Fix(mutant.Bytes);
                    Feed(mutant.Bytes);
                    report.Exhaustive += 2;
                }
            }
        }
        while (true)
        {
            if ((report.Inputs & 63) == 0 && report.Elapsed >= budget) break;
            mutant.Load(seeds[random.Next(seeds.Count)]);
            if (random.Next(8) != 0) stack.Retarget(mutant);
            if (fragmentsOnly || random.Next(4) == 0)
            {
                fragments.Clear();
                if (games.TryPlay(mutant.Bytes, mutator, fragments))
                {
                    foreach (byte[] fragment in fragments) Feed(fragment);
                    continue;
                }
                if (fragmentsOnly) continue;
            }
            mutator.Mutate(mutant);
            Feed(mutant.Bytes);
        }
        try
        {
            stack.EndBatch();
        }
        catch (Exception exception)
        {
            Fail(target, seed, report.Inputs, [.. history], exception);
        }
        report.Notes.Add($"guard page after the stack's frames: {(stack.HasGuardPage ? "yes" : "no")}; inputs at the guard {stack.Guarded}, elsewhere {stack.Unguarded}");
        report.Notes.Add("mutations: " + string.Join(", ", Mutator.Names.Select((name, i) => $"{name} {mutator.Counts[i]}")));
        report.Notes.Add("fragment games: " + string.Join(", ", FragmentGames.Names.Select((name, i) => $"{name} {games.Counts[i]}")));
        var tcp = stack.Stack.Tcp.GetCounters();
        report.Notes.Add($"tcp: segments received {tcp.SegmentsReceived}, sent {tcp.SegmentsSent}, active opens {tcp.ActiveOpens}, passive opens {tcp.PassiveOpens}, "
            + $"attempt fails {tcp.AttemptFails}, established resets {tcp.EstablishedResets}, resets sent {tcp.ResetsSent}, challenge ACKs {tcp.ChallengeAcks}, "
            + $"out of order {tcp.OutOfOrderSegments}, SYN cookies sent {tcp.SynCookiesSent}");
        var counters = stack.Stack.GetCounters();
        report.Notes.Add($"stack counters: rx {counters.RxPackets}, tx {counters.TxPackets}, drops {counters.DropsTotal} ("
            + string.Join(", ", counters.Drops.Where(d => d.Value != 0).Select(d => $"{Engine.Stack.StackCountersSnapshot.NameOf(d.Key)} {d.Value}")) + ")");
        return report;
    }

    /// <summary>Every length for a small frame; for a large one every length of its first 128 bytes, then every 16th.</summary>
    public static IEnumerable<int> TruncationLengths(int length)
    {
        for (int i = 0; i <= length; i++)
        {
            if (length <= 256 || i <= 128 || i % 16 == 0 || i == length) yield return i;
        }
    }

    /// <summary>
    /// Said before the first input, on the process's own stderr (not the test's captured output): if an overread
    /// faults on a guard page the host dies with it, and this line is what the CI log keeps.
    /// </summary>
    private static void AnnounceInFlight(InFlightInput inFlight, string target, ulong seed) =>
        Console.Error.WriteLine($"fuzz {target} (seed {seed}): each input is written to {inFlight.Path} before it is fed; if the test host dies, "
            + "that file holds the input that killed it, and the next run's CorpusReplayTests turns it into a reproducer in tests/corpus/found/");

    private static int Salt(ulong seed, string target)
    {
        int salt = (int)(seed ^ seed >> 32);
        foreach (char c in target) salt = salt * 31 + c;
        return salt;
    }

    private static void Fail(string target, ulong seed, long input, IReadOnlyList<byte[]> frames, Exception exception)
    {
        string path = CorpusFiles.WriteReproducer(target, seed, input, frames, exception.ToString());
        Assert.Fail($"fuzz {target}: input {input} (seed {seed}) failed: {exception.GetType().Name}: {exception.Message}\n"
            + $"reproducer: {path} (the last frame failed; replay with FASTPATH_FUZZ_SEED={seed}, or by the corpus test, which replays found/)\n{exception}");
    }
}
