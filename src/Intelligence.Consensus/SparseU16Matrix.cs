namespace Intelligence.Consensus;

/// <summary>
/// An immutable square matrix of u16 values indexed by UID (row = validator, column = miner), stored row by row
/// with ascending columns; zero entries are not stored. Used for raw weights and bonds.
/// </summary>
public sealed class SparseU16Matrix
{
    private readonly int[] _rowStart;
    private readonly int[] _columns;
    private readonly ushort[] _values;

    private SparseU16Matrix(int size, int[] rowStart, int[] columns, ushort[] values)
    {
        Size = size;
        _rowStart = rowStart;
        _columns = columns;
        _values = values;
    }

    /// <summary>Number of rows (and columns).</summary>
    public int Size { get; }

    /// <summary>Number of stored (non-zero) entries.</summary>
    public int Count => _columns.Length;

    /// <summary>An all-zero matrix of the given size.</summary>
    public static SparseU16Matrix Empty(int size) => new Builder(size).Build();

    /// <summary>The columns of the non-zero entries of <paramref name="row"/>, ascending.</summary>
    public ReadOnlySpan<int> Columns(int row) => _columns.AsSpan(_rowStart[row], _rowStart[row + 1] - _rowStart[row]);

    /// <summary>The values matching <see cref="Columns"/>.</summary>
    public ReadOnlySpan<ushort> Values(int row) => _values.AsSpan(_rowStart[row], _rowStart[row + 1] - _rowStart[row]);

    /// <summary>The value at (<paramref name="row"/>, <paramref name="column"/>), zero when absent.</summary>
    public ushort this[int row, int column]
    {
        get
        {
            int at = Columns(row).BinarySearch(column);
            return at >= 0 ? Values(row)[at] : (ushort)0;
        }
    }

    /// <summary>A copy with rows and columns renamed: entry (r, c) moves to (map[r], map[c]).</summary>
    public SparseU16Matrix Permute(ReadOnlySpan<int> map)
    {
        var builder = new Builder(Size);
        for (int r = 0; r < Size; r++)
        {
            var cols = Columns(r);
            var vals = Values(r);
            for (int e = 0; e < cols.Length; e++)
            {
                builder.Set(map[r], map[cols[e]], vals[e]);
            }
        }
        return builder.Build();
    }

    /// <summary>Wraps compressed rows built by the caller (columns ascending within a row, no zero values).</summary>
    internal static SparseU16Matrix FromCompressedRows(int size, int[] rowStart, int[] columns, ushort[] values) =>
        new(size, rowStart, columns, values);

    /// <summary>Collects entries and builds the matrix; setting the same cell twice is an error.</summary>
    public sealed class Builder
    {
        private readonly int _size;
        private long[] _cells = new long[16];
        private ushort[] _values = new ushort[16];
        private int _count;

        /// <summary>Starts an empty <paramref name="size"/> x <paramref name="size"/> matrix.</summary>
        public Builder(int size)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(size);
            _size = size;
        }

        /// <summary>Sets one cell; zero values are accepted and not stored.</summary>
        public Builder Set(int row, int column, ushort value)
        {
            if ((uint)row >= (uint)_size)
            {
                throw new ArgumentOutOfRangeException(nameof(row), row, $"row must be in 0..{_size - 1}");
            }
            if ((uint)column >= (uint)_size)
            {
                throw new ArgumentOutOfRangeException(nameof(column), column, $"column must be in 0..{_size - 1}");
            }
            if (_count == _cells.Length)
            {
                Array.Resize(ref _cells, _count * 2);
                Array.Resize(ref _values, _count * 2);
            }
            _cells[_count] = ((long)row << 32) | (uint)column;
            _values[_count] = value;
            _count++;
            return this;
        }

        /// <summary>The matrix built from the cells set so far; throws <see cref="ArgumentException"/> if a cell was set twice.</summary>
        public SparseU16Matrix Build()
        {
            var cells = _cells.AsSpan(0, _count);
            var values = _values.AsSpan(0, _count);
            cells.Sort(values);
            var rowStart = new int[_size + 1];
            int stored = 0;
            for (int e = 0; e < cells.Length; e++)
            {
                if (e > 0 && cells[e] == cells[e - 1])
                {
                    throw new ArgumentException($"cell ({cells[e] >> 32}, {(int)cells[e]}) is set twice");
                }
                if (values[e] != 0)
                {
                    rowStart[(int)(cells[e] >> 32) + 1]++;
                    stored++;
                }
            }
            var columns = new int[stored];
            var kept = new ushort[stored];
            int at = 0;
            for (int e = 0; e < cells.Length; e++)
            {
                if (values[e] != 0)
                {
                    columns[at] = (int)cells[e];
                    kept[at] = values[e];
                    at++;
                }
            }
            for (int r = 0; r < _size; r++)
            {
                rowStart[r + 1] += rowStart[r];
            }
            return new SparseU16Matrix(_size, rowStart, columns, kept);
        }
    }
}
