/// A position in a spec file (1-based line and column).
public struct SourceLocation: Sendable, Hashable, Codable {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file; self.line = line; self.column = column
    }
    /// `file:line:col`, as compilers print it.
    public var description: String { "\(file):\(line):\(column)" }
}

/// An error in a spec: where, what, and how to fix it. Rendered compiler-style with the
/// source line and a caret.
public struct Diagnostic: Error, Sendable, Hashable {
    public var location: SourceLocation
    public var message: String
    public var hint: String?
    public init(_ location: SourceLocation, _ message: String, hint: String? = nil) {
        self.location = location; self.message = message; self.hint = hint
    }

    /// `file:line:col: error: message`, the source line, a caret, and the hint.
    public func rendered(sources: SourceMap) -> String {
        var out = "\(location.description): error: \(message)"
        if let text = sources.line(location.file, location.line) {
            // Columns count UTF-8 bytes; the caret is placed under the character there.
            let prefix = Array(text.utf8).prefix(max(0, location.column - 1))
            let width = String(decoding: prefix, as: UTF8.self).count
            out += "\n  \(text)\n  " + String(repeating: " ", count: width) + "^"
        }
        if let hint { out += "\n  hint: \(hint)" }
        return out
    }
}

/// Every diagnostic of one run, in the order found.
public struct DiagnosticError: Error, Sendable {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}

/// The text of every loaded file, for rendering source lines in diagnostics and traces.
public final class SourceMap: @unchecked Sendable {
    private var lines: [String: [Substring]] = [:]
    public init() {}
    public func add(file: String, text: String) {
        lines[file] = text.split(separator: "\n", omittingEmptySubsequences: false)
    }
    public func line(_ file: String, _ n: Int) -> String? {
        guard let ls = lines[file], n >= 1, n <= ls.count else { return nil }
        return String(ls[n - 1]).replacingOccurrences(of: "\t", with: " ")
    }
}

/// The nearest of `candidates` to `name` by edit distance, if close enough to be a likely typo.
public func nearestName(_ name: String, in candidates: some Sequence<String>) -> String? {
    // Ties go to the candidate sharing more letters (so `vam` suggests `vma` over `var`),
    // then to the first in sorted order, so hints are the same every run.
    func common(_ a: String, _ b: String) -> Int {
        var counts: [Character: Int] = [:]
        for ch in a { counts[ch, default: 0] += 1 }
        var n = 0
        for ch in b where counts[ch, default: 0] > 0 { counts[ch]! -= 1; n += 1 }
        return n
    }
    var best: (name: String, d: Int, shared: Int)?
    let lower = name.lowercased()
    for c in Set(candidates).sorted() {
        let d = editDistance(lower, c.lowercased())
        let sh = common(lower, c.lowercased())
        if best == nil || d < best!.d || (d == best!.d && sh > best!.shared) { best = (c, d, sh) }
    }
    guard let b = best, b.d <= max(2, name.count / 3) else { return nil }
    return b.name
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
/// two neighbouring letters each cost 1 (so `vam` is one edit from `vma`).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
        }
    }
    return d[a.count][b.count]
}

/// "did you mean ...?" for an unknown name, or nil.
public func didYouMean(_ name: String, _ candidates: some Sequence<String>) -> String? {
    nearestName(name, in: candidates).map { "did you mean '\($0)'?" }
}
