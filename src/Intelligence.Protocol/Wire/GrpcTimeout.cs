using System.Globalization;

namespace Intelligence.Protocol.Wire;

/// <summary>Parses and formats the grpc-timeout header (TimeoutValue of 1-8 ASCII digits, then H/M/S/m/u/n).</summary>
public static class GrpcTimeout
{
    /// <summary>Largest TimeoutValue: the spec allows at most 8 digits.</summary>
    public const long MaxValue = 99_999_999;

    /// <summary>Parses a header value; false for anything that does not follow the grammar.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length < 2 || value.Length > 9)
        {
            return false;
        }

        var digits = value[..^1];
        long n = 0;
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            n = (n * 10) + (c - '0');
        }

        // TimeSpan ticks are 100 ns; 99,999,999 hours still fits in a long number of ticks.
        long ticks;
        switch (value[^1])
        {
            case 'H': ticks = n * TimeSpan.TicksPerHour; break;
            case 'M': ticks = n * TimeSpan.TicksPerMinute; break;
            case 'S': ticks = n * TimeSpan.TicksPerSecond; break;
            case 'm': ticks = n * TimeSpan.TicksPerMillisecond; break;
            case 'u': ticks = n * 10; break;
            case 'n': ticks = n / 100; break;
            default: return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>Formats a timeout in the finest unit whose value fits in 8 digits (rounded up, never zero).</summary>
    public static string Format(TimeSpan timeout)
    {
        var ticks = Math.Max(timeout.Ticks, 1);
        // Candidates from finest to coarsest: (ticks per unit, unit).
        ReadOnlySpan<(long PerUnit, char Unit)> units =
        [
            (0, 'n'), (10, 'u'), (TimeSpan.TicksPerMillisecond, 'm'), (TimeSpan.TicksPerSecond, 'S'),
            (TimeSpan.TicksPerMinute, 'M'), (TimeSpan.TicksPerHour, 'H'),
        ];
        foreach (var (perUnit, unit) in units)
        {
            long value = perUnit == 0 ? ticks * 100 : (ticks + perUnit - 1) / perUnit;
            if (perUnit == 0 && ticks > MaxValue / 100)
            {
                continue;
            }

            if (value <= MaxValue)
            {
                return value.ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return MaxValue.ToString(CultureInfo.InvariantCulture) + "H";
    }
}
