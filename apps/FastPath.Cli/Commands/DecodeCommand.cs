using System.CommandLine;
using System.Text.Json;
using FastPath.Apps.Decode;
using FastPath.Engine.Pcap;

namespace FastPath.Cli.Commands;

/// <summary><c>fastpath decode FILE.pcap [--json]</c>: one line (or one JSON object) per frame.</summary>
internal static class DecodeCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "A classic libpcap capture with Ethernet frames" };
        var json = new Option<bool>("--json") { Description = "One JSON object per line and frame" };
        var command = new Command("decode", "Decode every frame of a pcap file, like tcpdump -v, with checksum verdicts") { file, json };
        command.SetAction(parse =>
        {
            // Buffered: Console.Out flushes every line, which dominates on a capture of a million frames.
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), bufferSize: 1 << 16) { AutoFlush = false };
            return Run(parse.GetRequiredValue(file).FullName, parse.GetValue(json), stdout);
        });
        return command;
    }

    /// <summary>Decodes <paramref name="path"/> to <paramref name="output"/>; exit code 0, or 1 when some frame is invalid.</summary>
    public static int Run(string path, bool json, TextWriter output)
    {
        if (!File.Exists(path)) throw new CommandLineException($"{path}: no such file");
        using var reader = PcapReader.Open(path);
        if (reader.LinkType != PcapLinkType.Ethernet)
            throw new CommandLineException($"{path}: link type {(int)reader.LinkType} is not Ethernet (1)");

        var buffer = new byte[reader.SnapLength is > 0 and <= 262144 ? reader.SnapLength : 262144];
        int index = 0;
        while (reader.TryReadNext(out PcapRecord record))
        {
            var bytes = buffer.AsSpan(0, record.Data.Length);
            record.Data.CopyTo(bytes);
            var frame = FrameDecoder.Decode(bytes, index++, record.OriginalLength, record.Timestamp.ToDateTimeOffset());
            output.WriteLine(json ? DecodedFrameJson.ToJson(frame) : DecodedFrameText.Format(frame));
        }
        if (reader.Truncated) Console.Error.WriteLine($"fastpath: {path}: the last record is cut short (file truncated after {index} frames)");
        return 0;
    }
}
