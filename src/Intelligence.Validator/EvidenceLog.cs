using System.Text.Json;

namespace Intelligence.Validator;

/// <summary>
/// The signed responses the validator scored, bounded: JSON lines in <c>evidence-&lt;netuid&gt;.jsonl</c>; when it
/// holds half the retention it becomes <c>.1.jsonl</c> (replacing the older one), so between retention/2 and
/// retention records are kept and no write rewrites more than one line.
/// </summary>
public sealed class EvidenceLog
{
    private readonly string _current;
    private readonly string _previous;
    private readonly int _half;
    private int _count;

    /// <summary>Opens the log in <paramref name="directory"/>.</summary>
    public EvidenceLog(string directory, ushort netuid, int retention)
    {
        Directory.CreateDirectory(directory);
        _current = Path.Combine(directory, $"evidence-{netuid}.jsonl");
        _previous = Path.Combine(directory, $"evidence-{netuid}.1.jsonl");
        _half = Math.Max(1, retention / 2);
        _count = File.Exists(_current) ? File.ReadLines(_current).Count() : 0;
    }

    /// <summary>Appends the records of one step.</summary>
    public void Append(IEnumerable<Evidence> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        using (var writer = new StreamWriter(_current, append: true))
        {
            foreach (var r in records)
            {
                writer.WriteLine(JsonSerializer.Serialize(r));
                _count++;
            }
        }
        if (_count >= _half)
        {
            File.Move(_current, _previous, overwrite: true);
            _count = 0;
        }
    }

    /// <summary>Every record kept, oldest first.</summary>
    public IReadOnlyList<Evidence> ReadAll() =>
        [.. new[] { _previous, _current }.Where(File.Exists).SelectMany(File.ReadLines).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<Evidence>(l)!)];
}
