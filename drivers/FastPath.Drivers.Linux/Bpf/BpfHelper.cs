namespace FastPath.Drivers.Linux.Bpf;

/// <summary>Kernel helper function ids (enum bpf_func_id in include/uapi/linux/bpf.h).</summary>
internal enum BpfHelper
{
    MapLookupElement = 1,
    RedirectMap = 51,
}
