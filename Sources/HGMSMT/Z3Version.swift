internal import CZ3

/// The version of the linked libz3.
public enum Z3Version {
    /// Z3's full version string, e.g. "Z3 4.8.12.0".
    public static var string: String {
        guard let s = Z3_get_full_version() else { return "Z3 (unknown version)" }
        return String(cString: s)
    }

    /// (major, minor, build, revision) as reported by `Z3_get_version`.
    public static var components: [Int] {
        var major: UInt32 = 0, minor: UInt32 = 0, build: UInt32 = 0, revision: UInt32 = 0
        Z3_get_version(&major, &minor, &build, &revision)
        return [Int(major), Int(minor), Int(build), Int(revision)]
    }
}
