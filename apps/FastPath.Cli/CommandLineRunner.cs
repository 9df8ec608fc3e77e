using System.CommandLine;

namespace FastPath.Cli;

/// <summary>
/// Runs the command line with the project's error contract: bad input or an unusable environment gives one
/// line on stderr ("fastpath: ...") and exit code 2, never a stack trace.
/// </summary>
internal static class CommandLineRunner
{
    public const int UsageError = 2;

    public static int Run(RootCommand root, string[] args)
    {
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            Console.Error.WriteLine($"fastpath: {parse.Errors[0].Message} (see 'fastpath --help')");
            return UsageError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (CommandLineException e)
        {
            Console.Error.WriteLine($"fastpath: {e.Message}");
            return UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Console.Error.WriteLine($"fastpath: {e.Message}");
            return UsageError;
        }
    }
}

/// <summary>A user error to be reported as one line with exit code 2.</summary>
internal sealed class CommandLineException(string message) : Exception(message);
