namespace FastPath.Wire.Tcp;

/// <summary>
/// Walks the options area of a TCP header without allocating: <c>foreach (var option in packet.Options)</c>.
/// NOP padding is skipped and End of Option List stops the walk, so only real options are yielded.
/// </summary>
/// <remarks>
/// A malformed option (length 0 or 1, running past the options area, or a length its kind forbids) ends
/// the walk and sets <see cref="Error"/> to <see cref="WireError.BadOption"/>: RFC 9293 section 3.1 says an
/// option list with an illegal length cannot be parsed further, since the next option's start is unknown.
/// </remarks>
public ref struct TcpOptionEnumerator
{
    private readonly ReadOnlySpan<byte> _options;
    private int _offset;

    public TcpOptionEnumerator(ReadOnlySpan<byte> options)
    {
        _options = options;
        _offset = 0;
        Current = default;
        Error = WireError.None;
    }

    public TcpOption Current { get; private set; }

    /// <summary><see cref="WireError.None"/> while the options are well formed; set when MoveNext stops at a bad one.</summary>
    public WireError Error { get; private set; }

    public readonly TcpOptionEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (_offset < _options.Length)
        {
            var kind = (TcpOptionKind)_options[_offset];
            if (kind == TcpOptionKind.EndOfOptionList) break;
            if (kind == TcpOptionKind.NoOperation)
            {
                _offset++;
                continue;
            }
            if (_offset + 1 >= _options.Length) return Fail();
            int length = _options[_offset + 1];
            if (length < 2 || length > _options.Length - _offset || !TcpOption.IsValidLength(kind, length)) return Fail();
            Current = new TcpOption(kind, _options.Slice(_offset + 2, length - 2));
            _offset += length;
            return true;
        }
        _offset = _options.Length;
        return false;
    }

    private bool Fail()
    {
        Error = WireError.BadOption;
        _offset = _options.Length;
        Current = default;
        return false;
    }
}
