using System.Diagnostics;
using Intelligence.Cli;
using Intelligence.Subnets.Diagnosis;

namespace Intelligence.Subnets.Tests;

/// <summary>The <c>intelligence subnet new</c> and <c>intelligence model train</c> commands, through the real command line parser.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("subnets-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.BuildRoot().Parse(args).Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Intelligence.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Intelligence.sln not found above the test folder");
    }

    [Fact]
    public void ModelTrain_Diagnosis_WritesAModelThatScoresOnValidatorRecords()
    {
        var path = Path.Combine(_dir, "models", "diagnosis.onnx");

        var (code, stdout, _) = Run("model", "train", "--subnet", "diagnosis", "--out", path);

        Assert.Equal(0, code);
        Assert.Contains("diagnosis.onnx", stdout);
        var subnet = new DiagnosisSubnet();
        using var model = SubnetModel.Load(File.ReadAllBytes(path), subnet.Schema);
        var q = subnet.QueryFor();
        Assert.True(subnet.Score(q, [new MinerResponse("m", model.Answer(q.Inputs), Answers.Fast)])[0].Score > 0.75);
    }

    [Fact]
    public void ModelTrain_SameSeed_SameBytes()
    {
        Assert.Equal(0, Run("model", "train", "-s", "digits", "-o", Path.Combine(_dir, "a.onnx"), "--seed", "3").Code);
        Assert.Equal(0, Run("model", "train", "-s", "digits", "-o", Path.Combine(_dir, "b.onnx"), "--seed", "3").Code);

        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "a.onnx")), File.ReadAllBytes(Path.Combine(_dir, "b.onnx")));
    }

    [Fact]
    public void ModelTrain_UnknownSubnet_FailsWithTheKnownNames()
    {
        var (code, _, err) = Run("model", "train", "--subnet", "weather", "--out", Path.Combine(_dir, "x.onnx"));

        Assert.NotEqual(0, code);
        Assert.Contains("digits", err);
        Assert.False(File.Exists(Path.Combine(_dir, "x.onnx")));
    }

    [Theory]
    [InlineData("Bad_Name")]
    [InlineData("template")]
    [InlineData("-x")]
    public void SubnetNew_InvalidName_FailsAndWritesNothing(string name)
    {
        var target = Path.Combine(_dir, "out");

        var (code, _, err) = Run("subnet", "new", name, "--repo", RepoRoot(), "--output", target);

        Assert.Equal(1, code);
        Assert.Contains("error", err);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public void SubnetNew_ExistingFolder_Fails()
    {
        var (code, _, err) = Run("subnet", "new", "weather", "--repo", RepoRoot(), "--output", _dir);

        Assert.Equal(1, code);
        Assert.Contains("already exists", err);
    }

    [Fact]
    public async Task SubnetNew_CopyBuildsAndItsTestsPass()
    {
        var root = RepoRoot();
        var target = Path.Combine(_dir, "air-quality");

        var (code, stdout, err) = Run("subnet", "new", "air-quality", "--repo", root, "--output", target);

        Assert.True(code == 0, err);
        Assert.Contains("created subnet 'air-quality'", stdout);
        var source = File.ReadAllText(Path.Combine(target, "AirQualitySubnet.cs"));
        Assert.Contains("public sealed class AirQualitySubnet", source);
        Assert.Contains("Name => \"air-quality\"", source);
        Assert.DoesNotContain("Template", source);
        Assert.True(File.Exists(Path.Combine(target, "tests", "Intelligence.Subnets.AirQuality.Tests.csproj")));

        // Build the copy against the already built libraries, then run its tests: they must pass unchanged.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var build = await Dotnet(root, timeout.Token, "build", Path.Combine(target, "Intelligence.Subnets.AirQuality.csproj"), "-c", configuration, "-p:BuildProjectReferences=false", "--disable-build-servers", "-nologo");
        Assert.True(build.Code == 0, build.Output);
        var test = await Dotnet(root, timeout.Token, "test", Path.Combine(target, "tests"), "-c", configuration, "-p:BuildProjectReferences=false", "--disable-build-servers", "-nologo");
        Assert.True(test.Code == 0, test.Output);
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+3", test.Output);
    }

    private static async Task<(int Code, string Output)> Dotnet(string root, CancellationToken cancel, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["INTELLIGENCE_TOOLS_DIR"] = Environment.GetEnvironmentVariable("INTELLIGENCE_TOOLS_DIR") ?? Path.Combine(root, ".tools");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        try
        {
            await process.WaitForExitAsync(cancel);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
