namespace FastPath.Apps.Decode;

/// <summary>
/// One decoded header: its name ("eth", "ipv4", ...), its fields in wire order (values are strings,
/// integers, booleans, nested layers or lists of them) and a tcpdump-style summary.
/// </summary>
public sealed class DecodedLayer(string name)
{
    private readonly List<KeyValuePair<string, object?>> _fields = [];

    public string Name { get; } = name;
    public IReadOnlyList<KeyValuePair<string, object?>> Fields => _fields;
    public string Summary { get; set; } = "";

    public DecodedLayer Add(string key, object? value)
    {
        _fields.Add(new(key, value));
        return this;
    }

    /// <summary>Sets <paramref name="key"/>, replacing its value if the layer has it already: a JSON object names a member once.</summary>
    public DecodedLayer Set(string key, object? value)
    {
        int index = _fields.FindIndex(f => f.Key == key);
        if (index >= 0) _fields[index] = new(key, value);
        else _fields.Add(new(key, value));
        return this;
    }

    public object? this[string key] => _fields.FirstOrDefault(f => f.Key == key).Value;
}
