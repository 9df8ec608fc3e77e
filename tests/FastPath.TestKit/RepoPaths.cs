namespace FastPath.TestKit;

/// <summary>Finds files of the repository from a test's output folder, whatever the working directory.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The folder that holds FastPath.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>A file under tests/corpus, e.g. <c>Corpus("vectors/tftp-rrq.hex")</c>.</summary>
    public static string Corpus(string relativePath) => Path.Combine(Root, "tests", "corpus", relativePath);

    /// <summary>The bytes of a hex fixture (whitespace ignored).</summary>
    public static byte[] ReadHex(string corpusRelativePath)
    {
        string text = File.ReadAllText(Corpus(corpusRelativePath));
        return Convert.FromHexString(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FastPath.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"FastPath.sln not found above {AppContext.BaseDirectory}");
    }
}
