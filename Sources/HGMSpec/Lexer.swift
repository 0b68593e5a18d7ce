/// Token kinds of the spec language.
public enum TokenKind: Sendable, Equatable {
    case ident(String)
    case int(Int)
    /// A size literal such as `4K`, `2M`, `1G`, in bytes.
    case size(Int)
    case string(String)
    case punct(String)
    case eof
}

public struct Token: Sendable {
    public var kind: TokenKind
    public var location: SourceLocation
    /// Byte offset range in the file text, for quoting statements in traces.
    public var start: Int
    public var end: Int
}

/// Splits a spec file into tokens. Comments are `//` to end of line and `/* ... */`.
public struct Lexer {
    let file: String
    let bytes: [UInt8]
    var i = 0
    var line = 1
    var col = 1

    public init(file: String, text: String) {
        self.file = file
        self.bytes = Array(text.utf8)
    }

    static let puncts2: Set<String> = ["->", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>"]
    static let puncts1: Set<UInt8> = Set("{}()[],;:=+-*/%<>!&|^~.".utf8)

    mutating func advance() {
        if bytes[i] == UInt8(ascii: "\n") { line += 1; col = 1 } else { col += 1 }
        i += 1
    }

    var here: SourceLocation { SourceLocation(file: file, line: line, column: col) }

    public mutating func tokenize() throws(DiagnosticError) -> [Token] {
        var out: [Token] = []
        while true {
            // Skip whitespace and comments.
            while i < bytes.count {
                let c = bytes[i]
                if c == 32 || c == 9 || c == 10 || c == 13 { advance(); continue }
                if c == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") {
                    while i < bytes.count && bytes[i] != 10 { advance() }
                    continue
                }
                if c == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") {
                    let start = here
                    advance(); advance()
                    var closed = false
                    while i < bytes.count {
                        if bytes[i] == UInt8(ascii: "*"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") {
                            advance(); advance(); closed = true; break
                        }
                        advance()
                    }
                    if !closed {
                        throw DiagnosticError([Diagnostic(start, "unterminated block comment", hint: "close it with '*/'")])
                    }
                    continue
                }
                break
            }
            let loc = here
            let start = i
            guard i < bytes.count else {
                out.append(Token(kind: .eof, location: loc, start: i, end: i))
                return out
            }
            let c = bytes[i]
            if isIdentStart(c) {
                while i < bytes.count && isIdentChar(bytes[i]) { advance() }
                let s = String(decoding: bytes[start..<i], as: UTF8.self)
                out.append(Token(kind: .ident(s), location: loc, start: start, end: i))
            } else if isDigit(c) {
                var value = 0
                var overflow = false
                if c == UInt8(ascii: "0"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "x") || bytes[i + 1] == UInt8(ascii: "X") {
                    advance(); advance()
                    let digitsStart = i
                    while i < bytes.count, let d = hexValue(bytes[i]) {
                        let (m, o1) = value.multipliedReportingOverflow(by: 16)
                        let (s, o2) = m.addingReportingOverflow(d)
                        overflow = overflow || o1 || o2
                        value = s
                        advance()
                    }
                    if i == digitsStart {
                        throw DiagnosticError([Diagnostic(loc, "hexadecimal literal has no digits", hint: "write e.g. 0x1000")])
                    }
                } else {
                    while i < bytes.count && (isDigit(bytes[i]) || bytes[i] == UInt8(ascii: "_")) {
                        if bytes[i] != UInt8(ascii: "_") {
                            let (m, o1) = value.multipliedReportingOverflow(by: 10)
                            let (s, o2) = m.addingReportingOverflow(Int(bytes[i] - 48))
                            overflow = overflow || o1 || o2
                            value = s
                        }
                        advance()
                    }
                }
                if overflow {
                    throw DiagnosticError([Diagnostic(loc, "integer literal is too large", hint: "literals must fit in 63 bits")])
                }
                // Size suffix: 4K, 2M, 1G, 512M.
                if i < bytes.count, let mult = sizeMultiplier(bytes[i]),
                    i + 1 >= bytes.count || !isIdentChar(bytes[i + 1])
                {
                    advance()
                    let (v, o) = value.multipliedReportingOverflow(by: mult)
                    if o { throw DiagnosticError([Diagnostic(loc, "size literal is too large")]) }
                    out.append(Token(kind: .size(v), location: loc, start: start, end: i))
                } else {
                    if i < bytes.count && isIdentStart(bytes[i]) {
                        var j = i
                        while j < bytes.count && isIdentChar(bytes[j]) { j += 1 }
                        let suffix = String(decoding: bytes[i..<j], as: UTF8.self)
                        throw DiagnosticError([Diagnostic(here, "unknown suffix '\(suffix)' on a number",
                            hint: "size literals use K, M or G (e.g. 4K, 2M, 1G)")])
                    }
                    out.append(Token(kind: .int(value), location: loc, start: start, end: i))
                }
            } else if c == UInt8(ascii: "\"") {
                advance()
                var s: [UInt8] = []
                var closed = false
                while i < bytes.count {
                    if bytes[i] == UInt8(ascii: "\"") { advance(); closed = true; break }
                    if bytes[i] == 10 { break }
                    s.append(bytes[i]); advance()
                }
                if !closed {
                    throw DiagnosticError([Diagnostic(loc, "unterminated string literal", hint: "close the string with '\"' on the same line")])
                }
                out.append(Token(kind: .string(String(decoding: s, as: UTF8.self)), location: loc, start: start, end: i))
            } else {
                if i + 1 < bytes.count {
                    let two = String(decoding: bytes[i...(i + 1)], as: UTF8.self)
                    if Lexer.puncts2.contains(two) {
                        advance(); advance()
                        out.append(Token(kind: .punct(two), location: loc, start: start, end: i))
                        continue
                    }
                }
                if Lexer.puncts1.contains(c) {
                    advance()
                    out.append(Token(kind: .punct(String(UnicodeScalar(c))), location: loc, start: start, end: i))
                    continue
                }
                let shown = c < 128 ? "'\(String(UnicodeScalar(c)))'" : "a non-ASCII byte"
                throw DiagnosticError([Diagnostic(loc, "unexpected character \(shown)",
                    hint: "spec files use ASCII identifiers, numbers, strings and C-like operators")])
            }
        }
    }
}

private func isIdentStart(_ c: UInt8) -> Bool {
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
}
private func isIdentChar(_ c: UInt8) -> Bool { isIdentStart(c) || isDigit(c) }
private func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
private func hexValue(_ c: UInt8) -> Int? {
    if isDigit(c) { return Int(c - 48) }
    if c >= 97 && c <= 102 { return Int(c - 87) }
    if c >= 65 && c <= 70 { return Int(c - 55) }
    return nil
}
private func sizeMultiplier(_ c: UInt8) -> Int? {
    switch c {
    case UInt8(ascii: "K"): return 1 << 10
    case UInt8(ascii: "M"): return 1 << 20
    case UInt8(ascii: "G"): return 1 << 30
    case UInt8(ascii: "T"): return 1 << 40
    default: return nil
    }
}
