import Foundation

/// Delta debugging (Zeller's ddmin) over the lines of a spec: the smallest set of lines it
/// finds for which `keep` still holds (e.g. "engine and reference still disagree on
/// deadlock"). Lines whose removal breaks the syntax simply fail `keep`. A final pass drops
/// single lines until none can go (1-minimal).
public enum SpecMinimizer {
    public static func minimize(_ text: String, maxTests: Int = 2000, keep: (String) -> Bool) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
        var tests = 0
        func ok(_ ls: [String]) -> Bool {
            tests += 1
            return keep(ls.joined(separator: "\n") + "\n")
        }
        guard ok(lines) else { return text }
        var n = 2
        while lines.count >= 2 && tests < maxTests {
            let chunk = (lines.count + n - 1) / n
            var reduced = false
            var start = 0
            while start < lines.count && tests < maxTests {
                var candidate = lines
                candidate.removeSubrange(start..<min(start + chunk, lines.count))
                if !candidate.isEmpty && ok(candidate) {
                    lines = candidate
                    n = max(n - 1, 2)
                    reduced = true
                    break
                }
                start += chunk
            }
            if !reduced {
                if n >= lines.count { break }
                n = min(n * 2, lines.count)
            }
        }
        var i = 0
        while i < lines.count && tests < maxTests {
            var candidate = lines
            candidate.remove(at: i)
            if ok(candidate) { lines = candidate } else { i += 1 }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
