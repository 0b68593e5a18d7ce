import Foundation
import HGMModel
import HGMSpec
import XCTest

/// Focused tests of the lexer and parser, plus a robustness test that runs mutated copies
/// of every valid spec under `Specs/` through load + compile.
final class LexerParserTests: XCTestCase {
    // MARK: - Helpers

    func tokens(_ text: String, file: String = "t.hgm") throws -> [Token] {
        var lexer = Lexer(file: file, text: text)
        do { return try lexer.tokenize() } catch { throw Failure("lexer failed on \(text.debugDescription): \(Self.describe(error))") }
    }

    func kinds(_ text: String) throws -> [TokenKind] { try tokens(text).map(\.kind) }

    /// The first diagnostic of a lexer run that must fail.
    func lexerError(_ text: String) -> Diagnostic? {
        var lexer = Lexer(file: "t.hgm", text: text)
        do {
            _ = try lexer.tokenize()
            return nil
        } catch {
            return error.diagnostics.first
        }
    }

    func parseFile(_ text: String, path: String = "t.hgm") throws -> SpecFile {
        do {
            var p = try Parser(path: path, text: text)
            return try p.parseFile()
        } catch {
            throw Failure("parse failed: \(Self.describe(error))\n\(text)")
        }
    }

    func parseError(_ text: String) -> Diagnostic? {
        do {
            var p = try Parser(path: "t.hgm", text: text)
            _ = try p.parseFile()
            return nil
        } catch {
            return error.diagnostics.first
        }
    }

    func expr(_ text: String) throws -> String {
        do {
            var p = try Parser(path: "t.hgm", text: text)
            return Self.sexp(try p.parseExpr())
        } catch {
            throw Failure("expression \(text.debugDescription) failed: \(Self.describe(error))")
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    static func describe(_ e: DiagnosticError) -> String {
        e.diagnostics.map { "\($0.location.description): \($0.message)" }.joined(separator: "; ")
    }

    /// Fully parenthesised prefix form, to check precedence and associativity.
    static func sexp(_ e: Expr) -> String {
        switch e.kind {
        case .int(let v): return "\(v)"
        case .size(let v): return "size(\(v))"
        case .name(let n): return n
        case .string(let s): return "\"\(s)\""
        case .unary(let op, let x): return "(\(op) \(sexp(x)))"
        case .binary(let op, let a, let b): return "(\(op) \(sexp(a)) \(sexp(b)))"
        case .call(let n, let args): return "\(n)(" + args.map(sexp).joined(separator: ", ") + ")"
        case .index(let n, let i): return "\(n)[\(sexp(i))]"
        case .field(let b, let f): return "\(sexp(b)).\(f)"
        }
    }

    // MARK: - Lexer

    func testSizeLiterals() throws {
        XCTAssertEqual(try kinds("4K 2M 1G 512M 64K 1T"),
                       [.size(4096), .size(2 << 20), .size(1 << 30), .size(512 << 20), .size(64 << 10), .size(1 << 40), .eof])
        // A size directly followed by an operator is still a size.
        XCTAssertEqual(try kinds("V0.start+1G"), [.ident("V0"), .punct("."), .ident("start"), .punct("+"), .size(1 << 30), .eof])
        XCTAssertEqual(try kinds("2M)"), [.size(2 << 20), .punct(")"), .eof])
    }

    func testNumberLiterals() throws {
        XCTAssertEqual(try kinds("0 42 0x1F 0X10 0xdeadBEEF 1_000 007"),
                       [.int(0), .int(42), .int(31), .int(16), .int(0xdeadbeef), .int(1000), .int(7), .eof])
        XCTAssertEqual(try kinds("9223372036854775807"), [.int(Int.max), .eof])
        XCTAssertEqual(lexerError("9223372036854775808")?.message, "integer literal is too large")
        XCTAssertEqual(lexerError("0x8000000000000000")?.message, "integer literal is too large")
        XCTAssertEqual(lexerError("x = 0x")?.message, "hexadecimal literal has no digits")
        XCTAssertEqual(lexerError("x = 16777216T")?.message, "size literal is too large")
    }

    func testBadNumberSuffixIsReportedAtTheSuffix() {
        let d = lexerError("x = 4KB")
        XCTAssertEqual(d?.message, "unknown suffix 'KB' on a number")
        XCTAssertEqual(d?.location.line, 1)
        XCTAssertEqual(d?.location.column, 6)
        XCTAssertEqual(lexerError("x = 12abc")?.message, "unknown suffix 'abc' on a number")
        XCTAssertEqual(lexerError("x = 2m")?.message, "unknown suffix 'm' on a number")
    }

    func testPunctuationAndLocations() throws {
        let ts = try tokens("lock_order { a -> b }\n  x == y != z <= w >= v && u || t << 1 >> 2\n\t/* c\n */ q // tail\n")
        XCTAssertEqual(ts.map(\.kind), [
            .ident("lock_order"), .punct("{"), .ident("a"), .punct("->"), .ident("b"), .punct("}"),
            .ident("x"), .punct("=="), .ident("y"), .punct("!="), .ident("z"), .punct("<="), .ident("w"), .punct(">="),
            .ident("v"), .punct("&&"), .ident("u"), .punct("||"), .ident("t"), .punct("<<"), .int(1), .punct(">>"), .int(2),
            .ident("q"), .eof,
        ])
        XCTAssertEqual(ts[6].location, SourceLocation(file: "t.hgm", line: 2, column: 3))
        XCTAssertEqual(ts[23].location, SourceLocation(file: "t.hgm", line: 4, column: 5))
        // Byte offsets quote the token's text.
        let text = Array("  thread A = p(V0)".utf8)
        let t2 = try tokens(String(decoding: text, as: UTF8.self))
        XCTAssertEqual(t2.map { String(decoding: text[$0.start..<$0.end], as: UTF8.self) }, ["thread", "A", "=", "p", "(", "V0", ")", ""])
    }

    func testStringsAndComments() throws {
        XCTAssertEqual(try kinds(#"import "lib/rfc-v2.hgm" // a comment"#), [.ident("import"), .string("lib/rfc-v2.hgm"), .eof])
        XCTAssertEqual(try kinds("a /* x \n y */ b"), [.ident("a"), .ident("b"), .eof])
        XCTAssertEqual(lexerError("\"abc\ndef\"")?.message, "unterminated string literal")
        let d = lexerError("a\n  /* never closed")
        XCTAssertEqual(d?.message, "unterminated block comment")
        XCTAssertEqual(d?.location.line, 2)
        XCTAssertEqual(d?.location.column, 3)
        XCTAssertEqual(lexerError("a # b")?.message, "unexpected character '#'")
    }

    func testDashedNamesLexAsSeparateTokens() throws {
        // The lexer keeps `use-after-free` as three identifiers and two minus signs; the
        // parser joins them only where a name is expected and only when written without spaces.
        XCTAssertEqual(try kinds("use-after-free"), [.ident("use"), .punct("-"), .ident("after"), .punct("-"), .ident("free"), .eof])
    }

    // MARK: - Parser: names, statements, precedence

    func testDashedInvariantNames() throws {
        let f = try parseFile("""
            invariant one-map-at-most: mapcount(P0) - 1 <= 0
            check use-after-free, ptl-held, one-map-at-most
            expect violation use-after-free, lock-order
            """)
        XCTAssertEqual(f.invariants.map(\.name), ["one-map-at-most"])
        XCTAssertEqual(try Self.sexp(XCTUnwrap(f.invariants.first).expr), "(<= (- mapcount(P0) 1) 0)")
        XCTAssertEqual(f.checks?.map(\.name), ["use-after-free", "ptl-held", "one-map-at-most"])
        XCTAssertEqual(f.checks?.map(\.location.column), [7, 23, 33])
        XCTAssertEqual(f.expectation, .violations(["use-after-free", "lock-order"]))

        let all = try parseFile("check all, my-inv\ninvariant my-inv: i_size() >= 0")
        XCTAssertTrue(all.checkAll)
        XCTAssertEqual(all.checks?.map(\.name), ["my-inv"])

        // With spaces the dash is not part of the name: `check use - after` stops after `use`.
        let d = parseError("check use - after")
        XCTAssertEqual(d?.location.column, 11)
        XCTAssertTrue(d?.message.hasPrefix("expected a declaration") ?? false, d?.message ?? "no error")
        // In expressions a dash is always subtraction.
        XCTAssertEqual(try expr("use-after-free"), "(- (- use after) free)")
    }

    func testStatementTextIsCapturedForTraces() throws {
        let f = try parseFile("""
            proc p(vma, addr) {
                hpte = walk(addr)           // unlocked read
                if !is_table(read(hpte)) {
                    return hpte
                }
                while size(hpte) > PAGE bound 3 {
                    hpte = descend(hpte, addr)
                }
                either { } or { return -ENOMEM }
            retry:
                lock(ptl(hpte))
            \tunlock(ptl(hpte))\t
            }
            """)
        let body = try XCTUnwrap(f.procs.first).body
        XCTAssertEqual(body.map(\.text), [
            "hpte = walk(addr)",
            "if !is_table(read(hpte))",
            "while size(hpte) > PAGE bound 3",
            "either { } or { return -ENOMEM }",
            "retry:",
            "lock(ptl(hpte))",
            "unlock(ptl(hpte))",
        ])
        XCTAssertEqual(body.map(\.location.line), [2, 3, 6, 9, 10, 11, 12])
        guard case .ifElse(_, let thenB, nil) = body[1].kind else { return XCTFail("expected an if without else") }
        XCTAssertEqual(thenB.map(\.text), ["return hpte"])
        guard case .whileLoop(_, let bound, let loopBody) = body[2].kind else { return XCTFail("expected a while loop") }
        XCTAssertEqual(bound, 3)
        XCTAssertEqual(loopBody.map(\.text), ["hpte = descend(hpte, addr)"])
    }

    func testCPrecedence() throws {
        let cases: [(String, String)] = [
            ("a + b * c", "(+ a (* b c))"),
            ("a * b + c", "(+ (* a b) c)"),
            ("a && b || c", "(|| (&& a b) c)"),
            ("a || b && c", "(|| a (&& b c))"),
            ("a - b - c", "(- (- a b) c)"),
            ("a / b % c", "(% (/ a b) c)"),
            ("a == b && c != d", "(&& (== a b) (!= c d))"),
            ("a < b == c >= d", "(== (< a b) (>= c d))"),
            ("a | b ^ c & d", "(| a (^ b (& c d)))"),
            ("a << 1 + b", "(<< a (+ 1 b))"),
            ("1 << 2 < 3", "(< (<< 1 2) 3)"),
            ("-a * b", "(* (- a) b)"),
            ("!a && b", "(&& (! a) b)"),
            ("!!a", "(! (! a))"),
            ("~a & b", "(& (~ a) b)"),
            ("(a + b) * c", "(* (+ a b) c)"),
            ("a * (b + c)", "(* a (+ b c))"),
            ("V0.start + 2 * PAGE", "(+ V0.start (* 2 PAGE))"),
            ("fault_mutex[idx + 1]", "fault_mutex[(+ idx 1)]"),
            ("f(a, b + 1, g())", "f(a, (+ b 1), g())"),
            ("V0.start + 1G", "(+ V0.start size(1073741824))"),
            ("-ENOMEM", "(- ENOMEM)"),
        ]
        for (source, expected) in cases {
            XCTAssertEqual(try expr(source), expected, source)
        }
    }

    /// In C, `&`, `^` and `|` bind looser than `==`, `!=`, `<`...: `x & 1 == 0` is `x & (1 == 0)`.
    /// (Kept separate from `testCPrecedence`: the parser's table puts them above the comparisons.)
    func testBitwiseOperatorsBindLooserThanComparisonsAsInC() throws {
        XCTAssertEqual(try expr("x & 1 == 0"), "(& x (== 1 0))")
        XCTAssertEqual(try expr("a == b | c"), "(| (== a b) c)")
        XCTAssertEqual(try expr("a < b ^ c"), "(^ (< a b) c)")
        XCTAssertEqual(try expr("a & b && c | d"), "(&& (& a b) (| c d))")
    }

    func testParserErrorsCarryLocations() {
        let d = parseError("proc p() {\n    while x < 3 bound {\n    }\n}\n")
        XCTAssertEqual(d?.message.hasPrefix("expected a loop bound"), true)
        XCTAssertEqual(d?.location.line, 2)
        XCTAssertEqual(d?.location.column, 23)
        XCTAssertNil(parseError("proc p() {\n    while x < 3 {\n        x = x + 1\n    }\n}\n"), "a loop without a bound is unbounded")
        let e = parseError("thrad A = p()")
        XCTAssertEqual(e?.message, "unknown declaration 'thrad'")
        XCTAssertEqual(e?.hint, "did you mean 'thread'?")
        let p = parseError("prove nothing(a: int) {\n    assume a > 0\n}\n")
        XCTAssertEqual(p?.message, "prove block 'nothing' has no claim")
        XCTAssertEqual(p?.location.line, 1)
        XCTAssertEqual(p?.location.column, 1)
    }

    /// Deeply nested input is a diagnostic, not a stack overflow. (1000 nested parentheses
    /// overflowed the stack in Parser.parseBinary before the parser's nesting limit.)
    func testDeepNestingIsRejectedWithADiagnostic() {
        let head = "geometry x86_64 { hstate = 2M }\nworld { file hugepages = 1; vma V0 shared hgm }\n"
        let inputs = [
            "parentheses": "proc p() {\n    x = " + String(repeating: "(", count: 1000) + "1" + String(repeating: ")", count: 1000) + "\n}\n",
            "unary minus": "proc p() {\n    x = " + String(repeating: "-", count: 1000) + "1\n}\n",
            "blocks": "proc p() {\n" + String(repeating: "if 1 {\n", count: 500) + String(repeating: "}\n", count: 500) + "}\n",
        ]
        for (what, body) in inputs.sorted(by: { $0.key < $1.key }) {
            XCTAssertNotNil(parseError(head + body + "thread A = p()\n"), "deeply nested \(what) should be rejected")
        }
    }

    // MARK: - didYouMean

    func testDidYouMean() {
        let keywords = ["import", "geometry", "world", "lock_order", "proc", "override", "thread",
                        "check", "invariant", "expect", "scenario", "prove"]
        XCTAssertEqual(didYouMean("thraed", keywords), "did you mean 'thread'?")
        XCTAssertEqual(didYouMean("lockorder", keywords), "did you mean 'lock_order'?")
        XCTAssertEqual(didYouMean("invarient", keywords), "did you mean 'invariant'?")
        XCTAssertEqual(didYouMean("PROC", keywords), "did you mean 'proc'?", "matching ignores case")
        XCTAssertNil(didYouMean("zzzzzzzz", keywords))
        XCTAssertNil(didYouMean("anything", [String]()))
        // The nearest candidate wins.
        XCTAssertEqual(didYouMean("lokc", ["unlock", "lock", "read_lock"]), "did you mean 'lock'?")
        XCTAssertEqual(didYouMean("use-after-fre", ["mapcount", "use-after-free", "free-unlocked"]), "did you mean 'use-after-free'?")
        // Short names allow two edits; longer names about a third of their length.
        XCTAssertNil(didYouMean("abc", ["xyz"]))
        XCTAssertEqual(didYouMean("mapcount-zap-without-rmpa", ["mapcount-zap-without-rmap"]), "did you mean 'mapcount-zap-without-rmap'?")
        XCTAssertNil(didYouMean("double-coverage", ["split-from-blank"]))
        XCTAssertEqual(nearestName("V1", in: ["V0", "M0"]), "V0")
    }

    // MARK: - Robustness: mutated specs never crash

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// SplitMix64: small, fast, deterministic across platforms.
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    }

    static let insertable = Array("{}()[],;:=+-*/%<>!&|^~.\"'@#$`?\\\n".utf8)
    static let numberReplacements = ["0", "1", "2", "3", "4", "7", "8", "9", "64", "255", "4096", "1G", "2M", "4K", "5K", "3M",
                                     "0x0", "134217728", "9223372036854775807", "-1"]
    static let keywordReplacements = ["proc", "thread", "world", "geometry", "if", "else", "while", "bound", "either", "or",
                                      "atomic", "goto", "break", "continue", "return", "let", "assert", "check", "expect",
                                      "all", "pass", "violation", "vma", "file", "mm", "level", "hstate", "fanout", "import"]

    /// One deterministic mutation of `text` (bytes); returns a description and the mutant.
    static func mutate(_ text: [UInt8], tokens: [Token], rng: inout SplitMix64) -> (String, [UInt8]) {
        let real = tokens.filter { if case .eof = $0.kind { return false }; return true }
        let numbers = real.filter { switch $0.kind { case .int, .size: true; default: false } }
        let idents = real.compactMap { t -> (Token, String)? in if case .ident(let s) = t.kind { return (t, s) }; return nil }
        var op = rng.below(7)
        if (op == 0 && real.isEmpty) || (op == 4 && numbers.isEmpty) || (op == 5 && idents.isEmpty) || (op == 6 && real.count < 2) {
            op = 2
        }
        switch op {
        case 0:
            let i = rng.below(real.count)
            let j = min(real.count - 1, i + rng.below(4))
            return ("delete tokens \(i)...\(j)", Array(text[..<real[i].start]) + Array(text[real[j].end...]))
        case 1:
            var lines = text.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
            let i = rng.below(lines.count)
            lines.insert(lines[i], at: i)
            return ("duplicate line \(i + 1)", Array(lines.joined(separator: [10])))
        case 3 where !text.isEmpty:
            let at = rng.below(text.count)
            return ("truncate at byte \(at)", Array(text[..<at]))
        case 4:
            let t = numbers[rng.below(numbers.count)]
            let r = numberReplacements[rng.below(numberReplacements.count)]
            return ("replace number at byte \(t.start) with \(r)", Array(text[..<t.start]) + Array(r.utf8) + Array(text[t.end...]))
        case 5:
            let t = idents[rng.below(idents.count)].0
            let r = rng.below(2) == 0 ? idents[rng.below(idents.count)].1 : keywordReplacements[rng.below(keywordReplacements.count)]
            return ("replace identifier at byte \(t.start) with \(r)", Array(text[..<t.start]) + Array(r.utf8) + Array(text[t.end...]))
        case 6:
            let i = rng.below(real.count - 1)
            let a = real[i], b = real[i + 1]
            let swapped = Array(text[..<a.start]) + Array(text[b.start..<b.end]) + Array(text[a.end..<b.start])
                + Array(text[a.start..<a.end]) + Array(text[b.end...])
            return ("swap tokens \(i) and \(i + 1)", swapped)
        default:
            let at = rng.below(text.count + 1)
            let c = insertable[rng.below(insertable.count)]
            var out = text
            out.insert(c, at: at)
            return ("insert \(String(UnicodeScalar(c)).debugDescription) at byte \(at)", out)
        }
    }

    /// Every `.hgm` under `Specs/`, relative to it, sorted.
    static func validSpecs() throws -> [String] {
        let specs = packageRoot.appendingPathComponent("Specs")
        guard let walker = FileManager.default.enumerator(atPath: specs.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".hgm") }.sorted()
    }

    /// Load + compile; returns nil on success, else the diagnostics. Any crash here is a bug.
    static func frontEnd(_ path: String) -> (DiagnosticError, SourceMap)? {
        let sources = SourceMap()
        do {
            let spec = try SpecLoader(sources: sources).load(path: path)
            _ = try Compiler.compile(spec)
            return nil
        } catch {
            return (error, sources)
        }
    }

    func testEveryValidSpecCompiles() throws {
        let specs = try Self.validSpecs()
        XCTAssertGreaterThan(specs.count, 10, "valid specs under \(Self.packageRoot.path)/Specs")
        var scenarios = 0
        for rel in specs where !rel.hasPrefix("lib/") {
            let path = Self.packageRoot.appendingPathComponent("Specs/\(rel)").path
            // Geometry-only specs (prove blocks for the Z3 back end) have no threads to compile.
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            guard let file = try? parseFile(text, path: path), !file.threads.isEmpty else { continue }
            scenarios += 1
            if let (e, _) = Self.frontEnd(path) {
                XCTFail("Specs/\(rel) does not compile: \(Self.describe(e))")
            }
        }
        XCTAssertGreaterThan(scenarios, 10, "scenario specs under Specs/")
    }

    /// Mutants of every valid spec (token deletions, duplicated lines, inserted punctuation,
    /// truncations, replaced numbers and names, swapped tokens) must each either compile or
    /// be rejected with a well-formed diagnostic: never trap.
    ///
    /// If this test crashes, the input that crashed it is `$TMPDIR/hgm-spec-fuzz-PID/current.hgm`
    /// (with its origin in `current.txt`). `HGM_FUZZ_PER_FILE` and `HGM_FUZZ_SEED` run a
    /// longer or different campaign.
    func testMutatedSpecsNeverCrash() throws {
        let env = ProcessInfo.processInfo.environment
        let perFile = env["HGM_FUZZ_PER_FILE"].flatMap(Int.init) ?? 14
        var rng = SplitMix64(state: env["HGM_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x4847_4D2D_6675_7A7A)
        let specsDir = Self.packageRoot.appendingPathComponent("Specs")
        let files = try Self.validSpecs()
        XCTAssertGreaterThan(files.count, 10)

        // A private copy of Specs/, so mutants sit where their relative imports resolve.
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("hgm-spec-fuzz-\(getpid())")
        try? fm.removeItem(at: work)
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        let copy = work.appendingPathComponent("Specs")
        try fm.copyItem(at: specsDir, to: copy)
        let current = work.appendingPathComponent("current.hgm")
        let currentInfo = work.appendingPathComponent("current.txt")

        var compiled = 0, rejected = 0
        let start = Date()
        for rel in files {
            let target = copy.appendingPathComponent(rel)
            let original = try Data(contentsOf: target)
            let text = Array(original)
            let toks = (try? tokens(String(decoding: text, as: UTF8.self))) ?? []
            // A mutated library is also checked through a spec that imports it.
            let base = (rel as NSString).lastPathComponent
            let importer = rel.hasPrefix("lib/")
                ? files.first { f in !f.hasPrefix("lib/") && ((try? String(contentsOf: specsDir.appendingPathComponent(f), encoding: .utf8)) ?? "").contains("/\(base)\"") }
                : nil
            for k in 0..<perFile {
                let (what, mutant) = Self.mutate(text, tokens: toks, rng: &rng)
                try Data(mutant).write(to: target)
                try Data(mutant).write(to: current)
                try Data("Specs/\(rel) mutant \(k): \(what)\n".utf8).write(to: currentInfo)
                var paths = [target.path]
                if let importer { paths.append(copy.appendingPathComponent(importer).path) }
                for path in paths {
                    guard let (error, sources) = Self.frontEnd(path) else { compiled += 1; continue }
                    rejected += 1
                    let label = "Specs/\(rel) mutant \(k) (\(what))" + (path == target.path ? "" : " via \(importer!)")
                    guard let d = error.diagnostics.first else { XCTFail("\(label): DiagnosticError without diagnostics"); continue }
                    // A diagnostic points into a loaded file (line 0 only for a file that cannot be read).
                    let rendered = d.rendered(sources: sources)
                    XCTAssertTrue(rendered.hasPrefix("\(d.location.description): error: "), "\(label): \(rendered)")
                    if d.location.line >= 1 {
                        XCTAssertGreaterThanOrEqual(d.location.column, 1, "\(label): \(d.location.description): \(d.message)")
                        XCTAssertNotNil(sources.line(d.location.file, d.location.line),
                                        "\(label): diagnostic outside its file: \(d.location.description): \(d.message)")
                    }
                    XCTAssertFalse(d.message.contains("Optional("), "\(label): \(d.message)")
                }
            }
            try original.write(to: target)
        }
        try? fm.removeItem(at: work)
        let total = compiled + rejected
        XCTAssertGreaterThanOrEqual(total, 300, "too few mutants were run")
        print("LexerParserTests: \(total) mutant runs (\(files.count) files × \(perFile)): \(compiled) compiled, \(rejected) rejected with a diagnostic, in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }

    /// Inputs that once crashed the front end, kept in `Crashers/` (all fixed): each must
    /// now give a diagnostic.
    func testCrashers() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Crashers")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".hgm") }.sorted()
        for f in files {
            print("crasher \(f)")
            if let (e, _) = Self.frontEnd(dir.appendingPathComponent(f).path) {
                XCTAssertFalse(e.diagnostics.isEmpty, f)
            } else {
                XCTFail("\(f) was accepted")
            }
        }
    }
}
