using System.Globalization;
using System.Text;
using FastPath.Engine.Pcap;
using FastPath.TestKit;

namespace FastPath.Fuzz.Tests.Corpus;

/// <summary>One frame of the corpus and where it came from ("real/tcp.pcap#7").</summary>
internal sealed record CorpusFrame(string Origin, byte[] Bytes);

/// <summary>A reproducer: the frames to feed in order (the last one failed), from tests/corpus/found/.</summary>
internal sealed record Reproducer(string File, string Target, List<byte[]> Frames);

/// <summary>
/// tests/corpus: real/*.pcap (captured by capture.sh), vectors/ (the shared vectors, hex and pcap) and
/// found/ (one file per failure the fuzzer ever produced: hex, one frame per line, '#' comments).
/// </summary>
internal static class CorpusFiles
{
    public static string Directory => RepoPaths.Corpus("");

    public static string FoundDirectory => RepoPaths.Corpus("found");

    /// <summary>Every seed frame: real captures, vectors, the synthetic seeds (what a capture cannot hold) and the frames of every reproducer.</summary>
    public static List<CorpusFrame> LoadSeeds()
    {
        var frames = new List<CorpusFrame>();
        foreach (string pcap in Files("real", "*.pcap").Concat(Files("vectors", "*.pcap"))) frames.AddRange(ReadPcap(pcap));
        foreach (string hex in Files("vectors", "*.hex"))
        {
            frames.Add(new CorpusFrame(Relative(hex), RepoPaths.ReadHex(Path.GetRelativePath(Directory, hex))));
        }
        frames.AddRange(SyntheticSeeds.Build());
        foreach (Reproducer reproducer in LoadReproducers())
        {
            for (int i = 0; i < reproducer.Frames.Count; i++) frames.Add(new CorpusFrame($"{Relative(reproducer.File)}#{i + 1}", reproducer.Frames[i]));
        }
        if (frames.Count == 0) throw new InvalidOperationException($"no seed frames under {Directory}");
        return frames;
    }

    public static List<Reproducer> LoadReproducers()
    {
        var reproducers = new List<Reproducer>();
        foreach (string file in Files("found", "*.hex"))
        {
            var frames = new List<byte[]>();
            string target = "all";
            foreach (string raw in File.ReadAllLines(file))
            {
                string line = raw.Trim();
                if (line.StartsWith("# target:", StringComparison.Ordinal)) target = line["# target:".Length..].Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                frames.Add(Convert.FromHexString(line.Replace(" ", "", StringComparison.Ordinal)));
            }
            reproducers.Add(new Reproducer(file, target, frames));
        }
        return reproducers;
    }

    /// <summary>
    /// Writes a reproducer to found/ (named by target, seed and input number, so reruns do not pile up
    /// copies) and returns its path. The last frame is the one that failed; earlier ones set the state up.
    /// </summary>
    public static string WriteReproducer(string target, ulong seed, long input, IReadOnlyList<byte[]> frames, string failure)
    {
        System.IO.Directory.CreateDirectory(FoundDirectory);
        string path = Path.Combine(FoundDirectory, string.Create(CultureInfo.InvariantCulture, $"{target}-seed{seed}-input{input}.hex"));
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# target: {target}\n# seed: {seed}, input {input}\n");
        // The message, not the stack trace: the file is committed, and the trace has this machine's paths.
        foreach (string line in failure.Split('\n').Where(l => !l.TrimStart().StartsWith("at ", StringComparison.Ordinal)).Take(6))
            text.Append("# ").Append(line.TrimEnd()).Append('\n');
        foreach (byte[] frame in frames) text.Append(Convert.ToHexString(frame)).Append('\n');
        File.WriteAllText(path, text.ToString());
        return path;
    }

    public static string Relative(string path) => Path.GetRelativePath(Directory, path);

    private static IEnumerable<string> Files(string folder, string pattern)
    {
        string path = Path.Combine(Directory, folder);
        return System.IO.Directory.Exists(path) ? System.IO.Directory.GetFiles(path, pattern).Order(StringComparer.Ordinal) : [];
    }

    private static List<CorpusFrame> ReadPcap(string path)
    {
        var frames = new List<CorpusFrame>();
        using PcapReader reader = PcapReader.Open(path);
        int number = 0;
        while (reader.TryReadNext(out PcapRecord record))
        {
            number++;
            frames.Add(new CorpusFrame($"{Relative(path)}#{number}", record.Data.ToArray()));
        }
        return frames;
    }
}
