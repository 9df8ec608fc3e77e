namespace FastPath.Wire.Igmp;

/// <summary>
/// IGMPv3 group record types (RFC 3376 section 4.2.12). Receivers MUST silently ignore records of other
/// types, so the record enumerator yields them with their raw value.
/// </summary>
public enum IgmpGroupRecordType : byte
{
    /// <summary>Current-state record: the interface is in INCLUDE mode for the listed sources.</summary>
    ModeIsInclude = 1,
    /// <summary>Current-state record: EXCLUDE mode; an empty source list means "all sources" (a plain join).</summary>
    ModeIsExclude = 2,
    /// <summary>Filter-mode-change record; with no sources it is a leave.</summary>
    ChangeToIncludeMode = 3,
    /// <summary>Filter-mode-change record; with no sources it is a join.</summary>
    ChangeToExcludeMode = 4,
    /// <summary>Source-list-change record.</summary>
    AllowNewSources = 5,
    /// <summary>Source-list-change record.</summary>
    BlockOldSources = 6,
}
