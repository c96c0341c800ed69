using System.CommandLine;

namespace Intelligence.Cli.Tests;

/// <summary>Runs the real command tree in-process with captured output, under a timeout.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> Run(TimeSpan timeout, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var config = new InvocationConfiguration { Output = output, Error = error };
        int code = await Program.InvokeAsync(args, config).WaitAsync(timeout);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>A temp file holding the given text, deleted on dispose.</summary>
    public sealed class TempFile : IDisposable
    {
        public TempFile(string text)
        {
            File.WriteAllText(Path, text);
        }

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"intelligence-cli-test-{Guid.NewGuid():N}.json");

        public void Dispose() => File.Delete(Path);
    }
}
