import Foundation
import HGMCheck
import HGMModel
import HGMSpec
import XCTest

/// The package root: this file is `<root>/Tests/HGMReportTests/ReportTestSupport.swift`.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The shared schemas: CI clones the repository with `shared/` beside it.
let schemasDir = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/schemas")
let reportSchema = packageRoot.appendingPathComponent("docs/report.schema.json")

enum Fixture {
    /// The small specs the reporter tests run, relative to the package root.
    static let race = "Specs/races/collapse-read-lock.hgm"        // violated, as expected (2 invariants, trace in a library)
    static let ptlHeld = "Specs/invariants/ptl-held.hgm"           // violated, as expected (`check ptl-held` only)
    static let holds = "Specs/scenarios/truncate-fault.hgm"        // holds, as expected
    static let user = "Specs/invariants/user-invariant.hgm"        // a user invariant violated, as expected
    static let obligationsOnly = "Specs/geometries/false-claim.hgm" // no threads: Z3 obligations only
    static let livelock = "Specs/invariants/livelock.hgm"          // a livelock: the trace is a lasso (cycle_start)

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: CheckResult] = [:]

    /// Runs the real pipeline (load, compile, search) on a spec and returns its result with
    /// every path made relative to the package root, as a `check` run from the root reports
    /// them. Cached per spec and limit, so each spec is searched once per test run.
    static func result(_ spec: String, maxStates: Int? = nil, fresh: Bool = false) throws -> CheckResult {
        let key = "\(spec)#\(maxStates.map(String.init) ?? "-")"
        if !fresh, let r = lock.withLock({ cache[key] }) { return r }
        let r = try relative(absoluteResult(spec, maxStates: maxStates))
        lock.withLock { cache[key] = r }
        return r
    }

    /// The result with the absolute paths the loader was given.
    static func absoluteResult(_ spec: String, maxStates: Int? = nil) throws -> CheckResult {
        let path = packageRoot.appendingPathComponent(spec).path
        let model = try Checker.load(path: path, sources: SourceMap())
        return Checker.check(model, limits: SearchLimits(maxStates: maxStates))
    }

    /// A spec without threads: its obligations discharged with Z3, as `check` does.
    static func obligationsResult(_ spec: String) throws -> CheckResult {
        let key = "\(spec)#obligations"
        if let r = lock.withLock({ cache[key] }) { return r }
        let loaded = try Checker.parse(path: packageRoot.appendingPathComponent(spec).path, sources: SourceMap())
        var r = Checker.obligationsOnlyResult(loaded)
        r.obligations = Checker.prove(try Checker.obligations(loaded))
        r = relative(r)
        lock.withLock { cache[key] = r }
        return r
    }

    static func relative(_ r: CheckResult) -> CheckResult {
        let prefix = packageRoot.path + "/"
        func rel(_ s: String) -> String { s.hasPrefix(prefix) ? String(s.dropFirst(prefix.count)) : s }
        var r = r
        r.spec = rel(r.spec)
        r.expectationLocation = r.expectationLocation.map(rel)
        for i in r.violations.indices {
            r.violations[i].location = r.violations[i].location.map(rel)
            for j in r.violations[i].trace.indices { r.violations[i].trace[j].location = rel(r.violations[i].trace[j].location) }
        }
        return r
    }

    /// A real result whose spec is taken to expect `pass`: its violations become unexpected.
    static func unexpectedViolation() throws -> CheckResult {
        var r = try result(ptlHeld)
        r.expectation = .pass
        r.expectationMet = Checker.expectationMet(.pass, verdict: r.verdict, violations: r.violations, complete: r.limit == nil)
        return r
    }

    /// A real result that holds, taken to expect a deadlock it does not have.
    static func missingViolation() throws -> CheckResult {
        var r = try result(holds)
        r.expectation = .violations(["deadlock"])
        r.expectationMet = Checker.expectationMet(r.expectation, verdict: r.verdict, violations: r.violations, complete: r.limit == nil)
        return r
    }

    /// Every kind of result the reporters meet.
    static func all() throws -> [CheckResult] {
        [try result(race), try result(ptlHeld), try result(holds), try result(user), try result(livelock),
         try result(race, maxStates: 5), try unexpectedViolation(), try missingViolation(), try obligationsResult(obligationsOnly)]
    }

    static let loadError = "Specs/broken.hgm:3:7: error: expected an expression, found end of file\n  thread A = \n        ^\n  hint: a <thread> & \"quote\""
}

// MARK: external tools

struct ToolRun {
    var status: Int32
    var output: String
}

/// The executable `name` on PATH, or nil.
func which(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

func runTool(_ executable: String, _ args: [String]) throws -> ToolRun {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return ToolRun(status: p.terminationStatus, output: String(decoding: data, as: UTF8.self))
}

/// Writes `text` to a fresh temporary file and returns its path.
func temporaryFile(_ text: String, suffix: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("hgm-report-\(UUID().uuidString)\(suffix)")
    try Data(text.utf8).write(to: url)
    return url.path
}

/// Requires a file the validation needs; fails (never skips) with how to get it.
func requireFile(_ path: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
    if !FileManager.default.fileExists(atPath: path) {
        XCTFail("\(what) not found at \(path): the reporter tests validate against it (clone shared/ beside the repository)", file: file, line: line)
        throw ValidationUnavailable()
    }
}

struct ValidationUnavailable: Error {}

/// Validates a JSON document against a JSON Schema with Python's `jsonschema`
/// (`validatorClass`: `Draft4Validator` for SARIF, `Draft7Validator` for the report schema).
/// Returns the validator's complaints, empty when valid.
func jsonSchemaErrors(_ json: String, schema: String, validatorClass: String,
                      file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
    try jsonSchemaErrors([json], schema: schema, validatorClass: validatorClass, file: file, line: line)[0]
}

/// Validates several documents in one Python run; one list of complaints per document.
func jsonSchemaErrors(_ docs: [String], schema: String, validatorClass: String,
                      file: StaticString = #filePath, line: UInt = #line) throws -> [[String]] {
    try requireFile(schema, "JSON schema", file: file, line: line)
    guard let python = which("python3") else {
        XCTFail("python3 not found on PATH: needed to validate against \(schema) (install python3 and `pip install jsonschema`)", file: file, line: line)
        throw ValidationUnavailable()
    }
    let script = """
        import json, sys
        try:
            import jsonschema
        except ImportError:
            print("MISSING-JSONSCHEMA"); sys.exit(3)
        schema = json.load(open(sys.argv[1], encoding="utf-8"))
        cls = getattr(jsonschema, sys.argv[2])
        cls.check_schema(schema)
        v = cls(schema, format_checker=cls.FORMAT_CHECKER)
        bad = False
        for i, path in enumerate(sys.argv[3:]):
            doc = json.load(open(path, encoding="utf-8"))
            for e in sorted(v.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
                bad = True
                msg = ("/".join(map(str, e.absolute_path)) + ": " + e.message[:500]).replace("\\n", " ")
                print(f"{i}\t{msg}")
        sys.exit(1 if bad else 0)
        """
    let paths = try docs.map { try temporaryFile($0, suffix: ".json") }
    defer { for p in paths { try? FileManager.default.removeItem(atPath: p) } }
    let run = try runTool(python, ["-c", script, schema, validatorClass] + paths)
    if run.output.contains("MISSING-JSONSCHEMA") {
        XCTFail("Python module jsonschema is missing: `pip install jsonschema` (4.x)", file: file, line: line)
        throw ValidationUnavailable()
    }
    if run.status != 0 && run.status != 1 {
        XCTFail("the jsonschema run failed (status \(run.status)):\n\(run.output)", file: file, line: line)
        throw ValidationUnavailable()
    }
    var out = Array(repeating: [String](), count: docs.count)
    for l in run.output.split(separator: "\n") {
        let parts = l.split(separator: "\t", maxSplits: 1)
        if parts.count == 2, let i = Int(parts[0]), out.indices.contains(i) { out[i].append(String(parts[1])) }
        else { out[0].append(String(l)) }
    }
    if run.status == 1 && out.allSatisfy(\.isEmpty) { out[0].append(run.output) }
    return out
}

/// Validates a JUnit document with `xmllint --schema` against `shared/schemas/junit.xsd`.
/// Returns xmllint's complaints, empty when valid.
func junitSchemaErrors(_ xml: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
    let xsd = schemasDir.appendingPathComponent("junit.xsd").path
    try requireFile(xsd, "JUnit XSD", file: file, line: line)
    guard let xmllint = which("xmllint") else {
        XCTFail("xmllint not found on PATH: needed to validate JUnit XML (Debian: apt-get install -y libxml2-utils)", file: file, line: line)
        throw ValidationUnavailable()
    }
    let doc = try temporaryFile(xml, suffix: ".xml")
    defer { try? FileManager.default.removeItem(atPath: doc) }
    let run = try runTool(xmllint, ["--noout", "--schema", xsd, doc])
    return run.status == 0 ? [] : run.output.split(separator: "\n").map(String.init)
}

/// Parses JSON text into a dictionary, failing the test if it is not one.
func jsonObject(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let obj = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try XCTUnwrap(obj as? [String: Any], "not a JSON object", file: file, line: line)
}

/// The path parts of a `file:line[:col]` location.
func splitLocation(_ s: String) -> (file: String, line: Int, column: Int?) {
    let parts = s.split(separator: ":").map(String.init)
    if parts.count >= 3, let l = Int(parts[parts.count - 2]), let c = Int(parts[parts.count - 1]) {
        return (parts.dropLast(2).joined(separator: ":"), l, c)
    }
    return (parts.dropLast().joined(separator: ":"), Int(parts.last ?? "") ?? 0, nil)
}

/// `a/b/../c` → `a/c`, as the SARIF reporter writes URIs.
func lexicallyNormalized(_ p: String) -> String {
    var out: [String] = []
    for seg in p.split(separator: "/").map(String.init) {
        if seg == "." { continue }
        if seg == "..", let last = out.last, last != ".." { out.removeLast(); continue }
        out.append(seg)
    }
    return out.joined(separator: "/")
}
