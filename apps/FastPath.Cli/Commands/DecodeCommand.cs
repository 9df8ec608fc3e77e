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

    /// <summary>Decodes <paramref name="path"/> to <paramref name="output"/>; exit code 0 (invalid frames are reported in the output, not in the exit code).</summary>
    public static int Run(string path, bool json, TextWriter output)
    {
        if (!File.Exists(path)) throw new CommandLineException($"{path}: no such file");
        using var reader = PcapReader.Open(path);
        if (reader.LinkType != PcapLinkType.Ethernet)
            throw new CommandLineException($"{path}: link type {(int)reader.LinkType} is not Ethernet (1)");

        // Records are read straight into one buffer the size of the largest record the reader accepts (it
        // refuses longer ones), so no frame is ever cut and none is copied twice.
        var buffer = new byte[PcapFormat.MaxRecordLength];
        int index = 0;
        while (reader.TryReadNext(buffer, out PcapRecordHeader header))
        {
            var frame = FrameDecoder.Decode(buffer.AsSpan(0, header.CapturedLength), index++, header.OriginalLength, header.Timestamp.ToDateTimeOffset());
            output.WriteLine(json ? DecodedFrameJson.ToJson(frame) : DecodedFrameText.Format(frame));
        }
        if (reader.Truncated) Console.Error.WriteLine($"fastpath: {path}: the last record is cut short (file truncated after {index} frames)");
        return 0;
    }
}
