namespace FastPath.Engine.Tests.Pcap;

/// <summary>A file path in a fresh temporary folder, deleted with the folder on dispose.</summary>
internal sealed class TempFile : IDisposable
{
    public TempFile(string name = "capture.pcap")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("fastpath-pcap-").FullName;
        Path = System.IO.Path.Combine(Directory, name);
    }

    public string Directory { get; }
    public string Path { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
