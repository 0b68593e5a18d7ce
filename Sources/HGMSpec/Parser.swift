import Foundation

/// Recursive-descent parser for spec files (C operator precedence). Stops at the first error, which carries
/// `file:line:col` and a hint.
public struct Parser {
    var tokens: [Token]
    var pos = 0
    var depth = 0
    let path: String
    let text: [UInt8]

    public init(path: String, text: String) throws(DiagnosticError) {
        self.path = path
        self.text = Array(text.utf8)
        var lexer = Lexer(file: path, text: text)
        self.tokens = try lexer.tokenize()
    }

    static let topKeywords = ["import", "geometry", "world", "lock_order", "proc", "override", "thread",
                              "check", "invariant", "expect", "scenario", "prove"]
    static let entryKeywords: Set<String> = ["file", "mm", "vma", "mutex", "rwsem", "spinlock", "free_pages",
                                             "page", "level", "hstate", "fanout", "arch"]

    var tok: Token { tokens[pos] }
    var loc: SourceLocation { tokens[pos].location }

    func err(_ message: String, hint: String? = nil, at: SourceLocation? = nil) -> DiagnosticError {
        DiagnosticError([Diagnostic(at ?? loc, message, hint: hint)])
    }

    func describe(_ t: Token) -> String {
        switch t.kind {
        case .ident(let s): return "'\(s)'"
        case .int(let v): return "number \(v)"
        case .size: return "size literal"
        case .string(let s): return "string \"\(s)\""
        case .punct(let p): return "'\(p)'"
        case .eof: return "end of file"
        }
    }

    mutating func next() -> Token { let t = tokens[pos]; if pos < tokens.count - 1 { pos += 1 }; return t }

    func isPunct(_ p: String) -> Bool { if case .punct(p) = tok.kind { return true }; return false }
    func isIdent(_ s: String) -> Bool { if case .ident(s) = tok.kind { return true }; return false }
    func peekIsPunct(_ p: String, _ k: Int = 1) -> Bool {
        guard pos + k < tokens.count else { return false }
        if case .punct(p) = tokens[pos + k].kind { return true }
        return false
    }

    mutating func accept(_ p: String) -> Bool { if isPunct(p) { _ = next(); return true }; return false }

    mutating func expect(_ p: String, _ context: String) throws(DiagnosticError) {
        guard accept(p) else {
            throw err("expected '\(p)' \(context), found \(describe(tok))")
        }
    }

    mutating func ident(_ what: String) throws(DiagnosticError) -> String {
        guard case .ident(let s) = tok.kind else {
            throw err("expected \(what), found \(describe(tok))")
        }
        _ = next()
        return s
    }

    /// A name that may contain dashes written without spaces, e.g. `use-after-free`.
    mutating func dashedName(_ what: String) throws(DiagnosticError) -> String {
        var s = try ident(what)
        while isPunct("-"), tokens[pos].start == tokens[pos - 1].end,
              pos + 1 < tokens.count, tokens[pos + 1].start == tokens[pos].end
        {
            let more: String
            switch tokens[pos + 1].kind {
            case .ident(let x): more = x
            case .int(let v): more = String(v)
            default: return s
            }
            _ = next(); _ = next()
            s += "-" + more
        }
        return s
    }

    // MARK: - Top level

    public mutating func parseFile() throws(DiagnosticError) -> SpecFile {
        var f = SpecFile(path: path)
        while true {
            let t = tok
            guard case .ident(let kw) = t.kind else {
                if case .eof = t.kind { return f }
                throw err("expected a declaration (\(Parser.topKeywords.joined(separator: ", "))), found \(describe(t))")
            }
            switch kw {
            case "import":
                _ = next()
                guard case .string(let p) = tok.kind else { throw err("expected a quoted path after 'import'", hint: "write import \"lib/rfc-v2.hgm\"") }
                _ = next()
                f.imports.append((p, t.location))
            case "geometry":
                _ = next()
                if f.geometry != nil { throw err("a spec has one geometry block", at: t.location) }
                let name = try ident("a geometry name (e.g. x86_64)")
                try expect("{", "to open the geometry block")
                let entries = try parseEntries()
                f.geometry = GeometryDecl(name: name, entries: entries, location: t.location)
            case "world":
                _ = next()
                if f.world != nil { throw err("a spec has one world block", at: t.location) }
                try expect("{", "to open the world block")
                f.world = try parseEntries()
                f.worldLocation = t.location
            case "lock_order":
                _ = next()
                try expect("{", "after 'lock_order'")
                var names: [NamedLocation] = []
                while !isPunct("}") {
                    let l = loc
                    names.append(NamedLocation(name: try ident("a lock class name"), location: l))
                    if isPunct("}") { break }
                    guard accept("->") || accept(",") else {
                        throw err("expected '->' between lock classes, found \(describe(tok))", hint: "write lock_order { fault_mutex -> vma_lock -> ptl }")
                    }
                }
                _ = next()
                f.lockOrder = names
            case "proc", "override":
                _ = next()
                var isOverride = false
                if kw == "override" {
                    isOverride = true
                    guard isIdent("proc") else { throw err("expected 'proc' after 'override'") }
                    _ = next()
                }
                f.procs.append(try parseProc(isOverride: isOverride))
            case "thread":
                _ = next()
                let nameLoc = loc
                let name = try ident("a thread name")
                try expect("=", "after the thread name")
                let ploc = loc
                let proc = try ident("a procedure to run")
                try expect("(", "after the procedure name")
                let args = try parseArgs()
                f.threads.append(ThreadDecl(name: name, proc: proc, args: args, location: ploc, nameLocation: nameLoc))
            case "check":
                _ = next()
                f.checkLocation = t.location
                if isIdent("all") { _ = next(); f.checkAll = true; f.checks = []
                    if accept(",") {
                        repeat { let l = loc; f.checks!.append(NamedLocation(name: try dashedName("an invariant name"), location: l)) } while accept(",")
                    }
                } else {
                    var names: [NamedLocation] = []
                    repeat { let l = loc; names.append(NamedLocation(name: try dashedName("an invariant name or 'all'"), location: l)) } while accept(",")
                    f.checks = names
                }
            case "invariant":
                _ = next()
                let name = try dashedName("an invariant name")
                try expect(":", "after the invariant name")
                f.invariants.append(InvariantDecl(name: name, expr: try parseExpr(), location: t.location))
            case "expect":
                _ = next()
                if f.expectation != nil { throw err("a spec states one expectation", at: t.location) }
                f.expectationLocation = t.location
                if isIdent("pass") { _ = next(); f.expectation = .pass }
                else if isIdent("violation") {
                    _ = next()
                    var names: [String] = []
                    repeat { names.append(try dashedName("the name of the invariant expected to break")) } while accept(",")
                    f.expectation = .violations(names)
                } else {
                    throw err("expected 'pass' or 'violation NAME' after 'expect', found \(describe(tok))")
                }
            case "scenario":
                _ = next()
                guard case .string(let s) = tok.kind else { throw err("expected a quoted description after 'scenario'") }
                _ = next()
                f.scenario = s
            case "prove":
                _ = next()
                f.proves.append(try parseProve(at: t.location))
            default:
                throw err("unknown declaration '\(kw)'", hint: didYouMean(kw, Parser.topKeywords) ?? "a spec holds import, geometry, world, lock_order, proc, thread, check, invariant and expect declarations")
            }
        }
    }

    /// Entries of a `world` or `geometry` block, up to and including `}`. An entry ends at
    /// `;`, `}` or a new line that does not follow a comma.
    mutating func parseEntries() throws(DiagnosticError) -> [Entry] {
        var out: [Entry] = []
        while true {
            if accept("}") { return out }
            if accept(";") { continue }
            if case .eof = tok.kind { throw err("unterminated block: expected '}'") }
            let start = tok
            guard case .ident(let kind) = start.kind else {
                throw err("expected an entry name, found \(describe(tok))")
            }
            _ = next()
            var e = Entry(kind: kind, name: nil, value: nil, attrs: [], location: start.location)
            if accept("=") {
                e.value = try entryValue()
            } else {
                // Optional name (identifier or number) on the same line.
                if tok.location.line == start.location.line {
                    if case .ident(let n) = tok.kind, !peekIsPunct("=") { e.name = n; _ = next() }
                    else if case .int(let n) = tok.kind { e.name = String(n); _ = next() }
                }
                if accept("[") {
                    while !accept("]") {
                        let l = loc
                        let key = try ident("an attribute name")
                        try expect("=", "after '\(key)'")
                        e.attrs.append(EntryAttr(key: key, value: try entryValue(), location: l))
                        _ = accept(",")
                    }
                }
                var line = tokens[pos - 1].location.line
                while true {
                    if isPunct("}") || isPunct(";") { break }
                    if accept(",") { line = tok.location.line; continue }
                    if tok.location.line != line { break }
                    let l = loc
                    let key = try ident("an attribute (key = value, or a flag)")
                    if accept("=") {
                        e.attrs.append(EntryAttr(key: key, value: try entryValue(), location: l))
                    } else {
                        e.attrs.append(EntryAttr(key: key, value: nil, location: l))
                    }
                    line = tokens[pos - 1].location.line
                }
            }
            out.append(e)
        }
    }

    mutating func entryValue() throws(DiagnosticError) -> EntryValue {
        let t = next()
        switch t.kind {
        case .int(let v): return .int(v)
        case .size(let v): return .size(v)
        case .ident(let s): return .ident(s)
        case .punct("{"):
            var vs: [Int] = []
            while !accept("}") {
                switch tok.kind {
                case .int(let v), .size(let v): _ = next(); vs.append(v)
                default: throw err("expected a number in the list, found \(describe(tok))")
                }
                _ = accept(",")
            }
            return .list(vs)
        default:
            throw err("expected a value (number, size, name or {list}), found \(describe(t))", at: t.location)
        }
    }

    /// `prove NAME(a: bv64, n: int) [expect counterexample] { assume E ... claim E ... }`;
    /// a bare expression line is a claim.
    mutating func parseProve(at: SourceLocation) throws(DiagnosticError) -> ProveDecl {
        let name = try dashedName("a name for the claim")
        try expect("(", "after the claim's name")
        var vars: [ProveDecl.Var] = []
        while !accept(")") {
            let l = loc
            let v = try ident("a variable name")
            try expect(":", "after '\(v)' (write \(v): bv64 or \(v): int)")
            let sortLoc = loc
            let sort = try ident("a sort (bv64 or int)")
            guard sort == "bv64" || sort == "int" else {
                throw err("unknown sort '\(sort)'", hint: didYouMean(sort, ["bv64", "int"]) ?? "variables are bv64 (64-bit, unsigned arithmetic) or int", at: sortLoc)
            }
            if vars.contains(where: { $0.name == v }) { throw err("variable '\(v)' is declared twice", at: l) }
            vars.append(ProveDecl.Var(name: v, sort: sort, location: l))
            if isPunct(")") { continue }
            try expect(",", "between variables")
        }
        var expectCex = false
        if isIdent("expect") {
            _ = next()
            guard isIdent("counterexample") else { throw err("expected 'counterexample' after 'expect' in a prove block") }
            _ = next()
            expectCex = true
        }
        try expect("{", "to open the prove block")
        var assumes: [Expr] = [], claims: [Expr] = []
        while !accept("}") {
            if case .eof = tok.kind { throw err("unterminated prove block: expected '}'") }
            if accept(";") { continue }
            if isIdent("assume") { _ = next(); assumes.append(try parseExpr()); continue }
            if isIdent("claim") { _ = next() }
            claims.append(try parseExpr())
        }
        if claims.isEmpty { throw err("prove block '\(name)' has no claim", hint: "add a line: claim EXPR", at: at) }
        return ProveDecl(name: name, vars: vars, assumes: assumes, claims: claims, expectCounterexample: expectCex, location: at)
    }

    mutating func parseProc(isOverride: Bool) throws(DiagnosticError) -> ProcDecl {
        let nameLoc = loc
        let name = try ident("a procedure name")
        try expect("(", "after the procedure name")
        var params: [Param] = []
        while !accept(")") {
            let l = loc
            params.append(Param(name: try ident("a parameter name"), location: l))
            if isPunct(")") { continue }
            try expect(",", "between parameters")
        }
        let body = try parseBlock()
        return ProcDecl(name: name, params: params, body: body, isOverride: isOverride, location: nameLoc)
    }

    mutating func parseArgs() throws(DiagnosticError) -> [Expr] {
        var args: [Expr] = []
        while !accept(")") {
            args.append(try parseExpr())
            if isPunct(")") { continue }
            try expect(",", "between arguments")
        }
        return args
    }

    // MARK: - Statements

    mutating func parseBlock() throws(DiagnosticError) -> [Stmt] {
        try expect("{", "to open a block")
        depth += 1
        defer { depth -= 1 }
        if depth > 64 { throw err("blocks nest too deeply (more than 64 levels)") }
        var out: [Stmt] = []
        while !accept("}") {
            if case .eof = tok.kind { throw err("unterminated block: expected '}'") }
            if accept(";") { continue }
            out.append(try parseStmt())
        }
        return out
    }

    func lineText(from t: Token) -> String {
        var e = t.start
        while e < text.count && text[e] != 10 { e += 1 }
        var s = String(decoding: text[t.start..<e], as: UTF8.self)
        if let r = s.range(of: "//") { s = String(s[..<r.lowerBound]) }
        return s.trimmingCharacters(in: CharacterSet(charactersIn: " \t{"))
    }

    /// A statement, with `text` its own source: a simple statement whole (across lines,
    /// whitespace collapsed, comments dropped); a compound one by its header (`if COND`,
    /// `while COND bound N`), except an `either` that fits on one line, shown whole.
    mutating func parseStmt() throws(DiagnosticError) -> Stmt {
        let first = pos
        var st = try parseStmtBody()
        var last = max(first, pos - 1)
        switch st.kind {
        case .ifElse, .whileLoop, .atomic, .either:
            let oneLine = tokens[first].location.line == tokens[last].location.line
            if case .either = st.kind, oneLine { break }
            if let brace = (first...last).first(where: { if case .punct("{") = tokens[$0].kind { return true }; return false }) {
                last = max(first, brace - 1)
            }
        default: break
        }
        st.text = sourceText(tokens: first...last)
        return st
    }

    /// The source of a run of tokens: each token as written, one space where the source had
    /// any whitespace or comment between two tokens.
    func sourceText(tokens range: ClosedRange<Int>) -> String {
        var out: [UInt8] = []
        for i in range {
            let t = tokens[i]
            if case .eof = t.kind { break }
            if i > range.lowerBound && t.start > tokens[i - 1].end { out.append(32) }
            out.append(contentsOf: text[t.start..<min(t.end, text.count)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func parseStmtBody() throws(DiagnosticError) -> Stmt {
        let t = tok
        let l = t.location
        let text = lineText(from: t)
        func S(_ k: Stmt.Kind) -> Stmt { Stmt(kind: k, location: l, text: text) }
        guard case .ident(let kw) = t.kind else {
            throw err("expected a statement, found \(describe(t))")
        }
        switch kw {
        case "let":
            _ = next()
            let name = try ident("a variable name after 'let'")
            try expect("=", "after the variable name")
            return S(.assign(name, try parseExpr()))
        case "if":
            _ = next()
            let cond = try parseExpr()
            let thenB = try parseBlock()
            var elseB: [Stmt]? = nil
            if isIdent("else") {
                _ = next()
                if isIdent("if") { elseB = [try parseStmt()] } else { elseB = try parseBlock() }
            }
            return S(.ifElse(cond, thenB, elseB))
        case "while":
            _ = next()
            let cond = try parseExpr()
            // `bound N` is optional: a bounded loop is checked by loop-bound, an unbounded one
            // (a kernel retry loop) by livelock.
            guard isIdent("bound") else { return S(.whileLoop(cond, bound: nil, try parseBlock())) }
            _ = next()
            guard case .int(let b) = tok.kind, b > 0, b <= 1_000_000 else {
                throw err("expected a loop bound in 1...1000000, found \(describe(tok))",
                          hint: "write 'while COND bound N { ... }' with N the most iterations the loop may take, or leave out 'bound N' for an unbounded retry loop (checked by livelock)")
            }
            _ = next()
            return S(.whileLoop(cond, bound: b, try parseBlock()))
        case "return":
            _ = next()
            if isPunct("}") || isPunct(";") || tok.location.line != l.line { return S(.ret(nil)) }
            return S(.ret(try parseExpr()))
        case "assert":
            _ = next()
            let e = try parseExpr()
            var msg: String? = nil
            if accept(",") {
                guard case .string(let s) = tok.kind else { throw err("expected a message string after ','") }
                _ = next(); msg = s
            }
            return S(.assert(e, msg))
        case "either":
            _ = next()
            var branches = [try parseBlock()]
            guard isIdent("or") else { throw err("'either' needs at least one 'or' branch", hint: "write either { ... } or { ... }") }
            while isIdent("or") { _ = next(); branches.append(try parseBlock()) }
            return S(.either(branches))
        case "atomic":
            _ = next()
            return S(.atomic(try parseBlock()))
        case "goto":
            _ = next()
            return S(.goto(try ident("a label after 'goto'")))
        case "break": _ = next(); return S(.breakLoop)
        case "continue": _ = next(); return S(.continueLoop)
        case "else": throw err("'else' without a matching 'if'")
        case "or": throw err("'or' without a matching 'either'")
        default:
            if peekIsPunct(":") {
                _ = next(); _ = next()
                return S(.label(kw))
            }
            if peekIsPunct("=") {
                _ = next(); _ = next()
                return S(.assign(kw, try parseExpr()))
            }
            let e = try parseExpr()
            guard case .call = e.kind else {
                throw err("expected a statement (an assignment, a call, if, while, return ...), found an expression", at: l)
            }
            return S(.call(e))
        }
    }

    // MARK: - Expressions (C precedence)

    static let binaryLevels: [[String]] = [
        ["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", "<=", ">", ">="], ["<<", ">>"], ["+", "-"], ["*", "/", "%"],
    ]

    /// Terms left in the current top-level expression (long expressions are refused so
    /// that no later recursion over them can exhaust the stack).
    var exprBudget = 0
    var exprNesting = 0

    public mutating func parseExpr() throws(DiagnosticError) -> Expr {
        if exprNesting == 0 { exprBudget = 150 }
        exprNesting += 1
        defer { exprNesting -= 1 }
        return try parseBinary(0)
    }

    mutating func parseBinary(_ level: Int) throws(DiagnosticError) -> Expr {
        if level == Parser.binaryLevels.count { return try parseUnary() }
        var lhs = try parseBinary(level + 1)
        while case .punct(let p) = tok.kind, Parser.binaryLevels[level].contains(p) {
            let l = loc
            _ = next()
            let rhs = try parseBinary(level + 1)
            lhs = Expr(kind: .binary(p, lhs, rhs), location: l)
        }
        return lhs
    }

    mutating func parseUnary() throws(DiagnosticError) -> Expr {
        let l = loc
        depth += 1
        defer { depth -= 1 }
        if depth > 100 { throw err("expression nests too deeply (more than 100 levels)") }
        if case .punct(let p) = tok.kind, p == "!" || p == "-" || p == "~" {
            _ = next()
            return Expr(kind: .unary(p, try parseUnary()), location: l)
        }
        return try parsePostfix()
    }

    mutating func parsePostfix() throws(DiagnosticError) -> Expr {
        var e = try parsePrimary()
        while true {
            if isPunct("."), case .ident(let f) = tokens[pos + 1].kind {
                let l = loc
                _ = next(); _ = next()
                e = Expr(kind: .field(e, f), location: l)
            } else { return e }
        }
    }

    mutating func parsePrimary() throws(DiagnosticError) -> Expr {
        exprBudget -= 1
        if exprBudget < 0 { throw err("expression is too long (more than 150 terms)", hint: "split it with local variables") }
        let t = next()
        let l = t.location
        switch t.kind {
        case .int(let v): return Expr(kind: .int(v), location: l)
        case .size(let v): return Expr(kind: .size(v), location: l)
        case .string(let s): return Expr(kind: .string(s), location: l)
        case .ident(let name):
            if accept("(") { return Expr(kind: .call(name, try parseArgs()), location: l) }
            if accept("[") {
                let i = try parseExpr()
                try expect("]", "to close the index")
                return Expr(kind: .index(name, i), location: l)
            }
            return Expr(kind: .name(name), location: l)
        case .punct("("):
            let e = try parseExpr()
            try expect(")", "to close the parenthesis")
            return e
        default:
            throw err("expected an expression, found \(describe(t))", at: l)
        }
    }
}
