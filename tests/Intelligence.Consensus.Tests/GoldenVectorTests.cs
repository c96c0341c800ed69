using System.Text.Json;
using Intelligence.Consensus.Cases;

namespace Intelligence.Consensus.Tests;

/// <summary>
/// The shared golden vectors. Set INTELLIGENCE_UPDATE_FIXTURES=1 to rewrite them from <see cref="FixtureCatalog"/>
/// after a deliberate change of the spec (and say so in the commit).
/// </summary>
public class GoldenVectorTests
{
    private static readonly bool Update = Environment.GetEnvironmentVariable("INTELLIGENCE_UPDATE_FIXTURES") == "1";

    public static TheoryData<string> Names => new(FixtureCatalog.All.Select(f => f.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Fixture_CaseFileMatchesCatalogAndExpectedFileMatchesEpoch(string name)
    {
        var fixture = FixtureCatalog.Get(name);
        string casePath = Path.Combine(RepoPaths.Fixtures, name + ".json");
        string expectedPath = Path.Combine(RepoPaths.Fixtures, name + ".expected.json");
        string generated = CaseWriter.WriteCase(fixture.Build(), indented: !fixture.Compact);
        if (Update)
        {
            Directory.CreateDirectory(RepoPaths.Fixtures);
            File.WriteAllText(casePath, generated);
            File.WriteAllText(expectedPath, CaseWriter.WriteResult(YumaEpoch.Run(CaseReader.Parse(generated))));
        }

        string caseText = File.ReadAllText(casePath);
        Assert.Equal(generated, caseText);
        string actual = CaseWriter.WriteResult(YumaEpoch.Run(CaseReader.Parse(caseText)));
        Assert.Equal(File.ReadAllText(expectedPath), actual);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Fixture_NaiveSpecModelAgrees(string name)
    {
        var input = FixtureCatalog.Get(name).Build();
        if (input.Neurons.Count > 64)
        {
            // The brute-force model is cubic; dense fixtures are covered by the smaller ones and the random properties.
            input = TestCases.Dense(48, 12, 1);
        }
        Assert.Equal(CaseWriter.WriteResult(SpecModel.Run(input)), CaseWriter.WriteResult(YumaEpoch.Run(input)));
    }

    [Fact]
    public void Index_ListsExactlyTheCatalogAndEveryPairExists()
    {
        string indexPath = Path.Combine(RepoPaths.Fixtures, "index.json");
        if (Update)
        {
            var entries = FixtureCatalog.All.Select(f => new { name = f.Name, description = f.Description });
            File.WriteAllText(indexPath, JsonSerializer.Serialize(new { fixtures = entries }, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        using var index = JsonDocument.Parse(File.ReadAllText(indexPath));
        var listed = index.RootElement.GetProperty("fixtures").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToList();
        Assert.Equal(FixtureCatalog.All.Select(f => f.Name), listed);
        var files = Directory.GetFiles(RepoPaths.Fixtures, "*.json").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToList();
        var wanted = listed.SelectMany(n => new[] { n + ".json", n + ".expected.json" }).Append("index.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(wanted, files);
    }
}
