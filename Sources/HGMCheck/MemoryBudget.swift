import Foundation

/// The memory a search may use by default: a share of the machine's memory, or of the
/// control group's limit when that is lower (a container, a CI job), so that the search
/// stops as *incomplete* before the kernel's OOM killer ends it. Read from Linux's
/// `/proc/meminfo` and cgroup v2 `memory.max` (v1 `memory.limit_in_bytes`); elsewhere nil.
public enum MemoryBudget {
    /// The share of memory the search takes by default: the rest is left to the process's
    /// own code and libraries, the reports and Z3, and the system.
    public static let share = 0.7

    /// Physical memory, or the control group's limit when lower (bytes).
    public static func available() -> Int? {
        var total: Int? = nil
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
           let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
            total = kb * 1024
        }
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
                total = min(total ?? limit, limit)
            }
        }
        return total
    }

    /// The default `--max-memory`: `share` of `available()` (nil when unknown: no limit).
    public static func defaultBytes() -> Int? { available().map { Int(Double($0) * share) } }
}
