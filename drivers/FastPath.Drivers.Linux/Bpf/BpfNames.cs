namespace FastPath.Drivers.Linux.Bpf;

/// <summary>Object names as the kernel takes them: at most 15 of [A-Za-z0-9_.] and a NUL (bpf_obj_name_cpy).</summary>
internal static unsafe class BpfNames
{
    internal static void Write(string name, byte* destination)
    {
        if (name.Length >= Interop.Bpf.ObjectNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.'))
            throw new ArgumentException($"'{name}' is not a BPF object name (up to 15 of A-Z a-z 0-9 _ .)", nameof(name));
        for (int i = 0; i < name.Length; i++) destination[i] = (byte)name[i];
        destination[name.Length] = 0;
    }
}
