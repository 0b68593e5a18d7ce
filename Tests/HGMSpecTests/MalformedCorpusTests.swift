import Foundation
import HGMModel
import HGMSpec
import XCTest

/// Runs every malformed spec in `Malformed/` through the whole front end (load + compile)
/// and checks the first diagnostic against the file's header:
///
///     // expect: LINE:COL: MESSAGE-SUBSTRING
///     // hint: HINT-SUBSTRING                 (optional)
///     // expect-file: support/cycle-b.hgm     (optional: the error is in another file,
///                                              relative to Malformed/)
///
/// `Malformed/support/` holds files imported by the cases; it is not itself a case.
/// Each case that goes wrong is reported as one failure naming the case file.
final class MalformedCorpusTests: XCTestCase {
    static let corpusDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Malformed", isDirectory: true)

    struct Expectation {
        var line: Int
        var column: Int
        var message: String
        var hint: String?
        /// Path relative to the corpus directory, when the error is not in the case file.
        var file: String?
    }

    struct Case {
        var name: String
        var path: String
        var expectation: Expectation
    }

    /// The numbered case files (`NN-name.hgm`), in numeric order.
    static func caseFiles() throws -> [URL] {
        let urls = try FileManager.default.contentsOfDirectory(
            at: corpusDirectory, includingPropertiesForKeys: nil)
        return urls.filter { $0.pathExtension == "hgm" }
            .sorted { number(of: $0) < number(of: $1) || (number(of: $0) == number(of: $1) && $0.lastPathComponent < $1.lastPathComponent) }
    }

    static func number(of url: URL) -> Int {
        Int(url.lastPathComponent.prefix { $0.isNumber }) ?? Int.max
    }

    struct HeaderError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// Parses the header comments of a case; returns a reason when they are malformed.
    static func parseHeader(_ text: String) -> Result<Expectation, HeaderError> {
        var expectation: Expectation?
        var hint: String?
        var file: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(6) {
            if line.hasPrefix("// expect: ") {
                let rest = line.dropFirst("// expect: ".count)
                let parts = rest.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard parts.count == 3, let l = Int(parts[0]), let c = Int(parts[1]) else {
                    return .failure(HeaderError("malformed '// expect: LINE:COL: MESSAGE' header: \(line)"))
                }
                let message = parts[2].trimmingCharacters(in: .whitespaces)
                guard !message.isEmpty else { return .failure(HeaderError("empty message in header: \(line)")) }
                expectation = Expectation(line: l, column: c, message: message)
            } else if line.hasPrefix("// hint: ") {
                hint = String(line.dropFirst("// hint: ".count)).trimmingCharacters(in: .whitespaces)
            } else if line.hasPrefix("// expect-file: ") {
                file = String(line.dropFirst("// expect-file: ".count)).trimmingCharacters(in: .whitespaces)
            }
        }
        guard var e = expectation else { return .failure(HeaderError("no '// expect: LINE:COL: MESSAGE' header in the first lines")) }
        e.hint = hint
        e.file = file
        return .success(e)
    }

    static func standardized(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Runs one case; returns the problems found (empty when the case behaves as stated).
    static func run(_ url: URL) -> [String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return ["cannot read the case file"] }
        let expectation: Expectation
        switch parseHeader(text) {
        case .success(let e): expectation = e
        case .failure(let reason): return [reason.description]
        }
        let sources = SourceMap()
        let outcome = Result { () throws(DiagnosticError) -> Model in
            let spec = try SpecLoader(sources: sources).load(path: url.path)
            return try Compiler.compile(spec)
        }
        guard case .failure(let error) = outcome else {
            return ["loaded and compiled without an error; expected \(expectation.line):\(expectation.column): \(expectation.message)"]
        }
        guard let d = error.diagnostics.first else { return ["threw a DiagnosticError with no diagnostics"] }
        var problems: [String] = []
        let got = "\(d.location.description): \(d.message)" + (d.hint.map { " (hint: \($0))" } ?? "")

        let expectedFile = expectation.file.map { corpusDirectory.appendingPathComponent($0).path } ?? url.path
        if standardized(d.location.file) != standardized(expectedFile) {
            problems.append("diagnostic is in file \(d.location.file), expected \(expectedFile)")
        }
        if d.location.line != expectation.line || d.location.column != expectation.column {
            problems.append("diagnostic is at \(d.location.line):\(d.location.column), expected \(expectation.line):\(expectation.column)")
        }
        if !d.message.contains(expectation.message) {
            problems.append("message does not contain \"\(expectation.message)\"")
        }
        if let h = expectation.hint {
            if let actual = d.hint {
                if !actual.contains(h) { problems.append("hint does not contain \"\(h)\"") }
            } else {
                problems.append("no hint; expected one containing \"\(h)\"")
            }
        }

        // Rendering: `file:line:col: error: message`, the source line, and a caret under the column.
        let rendered = d.rendered(sources: sources)
        let header = "\(d.location.file):\(d.location.line):\(d.location.column): error: "
        if !rendered.hasPrefix(header + d.message) {
            problems.append("rendered text does not start with \"\(header)\(d.message)\"")
        }
        let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let caretIndex = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "^" }) {
            if caretIndex < 1 {
                problems.append("rendered caret line has no source line above it")
            } else if let sourceLine = sources.line(d.location.file, d.location.line) {
                if lines[caretIndex - 1] != "  " + sourceLine {
                    problems.append("rendered source line is \"\(lines[caretIndex - 1])\", expected \"  \(sourceLine)\"")
                }
                // The caret must sit under the character at the column (columns count UTF-8 bytes).
                let caretOffset = lines[caretIndex].count - 1 - 2
                let prefixBytes = Array(sourceLine.utf8.prefix(max(0, d.location.column - 1)))
                let charsBefore = String(decoding: prefixBytes, as: UTF8.self).count
                if caretOffset != charsBefore {
                    problems.append("caret is under character \(caretOffset + 1) of the source line, expected \(charsBefore + 1)")
                }
            }
        } else {
            problems.append("rendered text has no caret line:\n\(rendered)")
        }
        if let h = d.hint, !rendered.contains("hint: \(h)") {
            problems.append("rendered text does not show the hint")
        }
        if !problems.isEmpty { problems.append("got \(got)") }
        return problems
    }

    func testCorpusIsLargeEnough() throws {
        let files = try Self.caseFiles()
        XCTAssertGreaterThanOrEqual(files.count, 30, "the malformed corpus should hold at least 30 cases")
        var numbers: [Int: String] = [:]
        for f in files {
            let n = Self.number(of: f)
            XCTAssertNotEqual(n, Int.max, "\(f.lastPathComponent): case files are named NN-short-name.hgm")
            if let other = numbers[n] { XCTFail("\(f.lastPathComponent): number \(n) is also used by \(other)") }
            numbers[n] = f.lastPathComponent
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: Self.corpusDirectory.appendingPathComponent("support").path),
                      "Malformed/support holds the files the cases import")
    }

    func testEveryMalformedSpecIsRejectedAtTheStatedLocation() throws {
        let files = try Self.caseFiles()
        XCTAssertFalse(files.isEmpty, "no cases found in \(Self.corpusDirectory.path)")
        var failed: [String] = []
        for f in files {
            let problems = Self.run(f)
            if !problems.isEmpty {
                failed.append(f.lastPathComponent)
                XCTFail("Malformed/\(f.lastPathComponent):\n    " + problems.joined(separator: "\n    "))
            }
        }
        if !failed.isEmpty {
            print("MalformedCorpusTests: \(failed.count) of \(files.count) cases failed: \(failed.joined(separator: ", "))")
        }
    }

    /// The header parser itself, so that a typo in a case header is not mistaken for a bug.
    func testHeaderParsing() {
        guard case .success(let e) = Self.parseHeader("// expect: 12:5: unknown name 'x': really\n// hint: did you mean 'y'?\n") else {
            return XCTFail("header not parsed")
        }
        XCTAssertEqual(e.line, 12)
        XCTAssertEqual(e.column, 5)
        XCTAssertEqual(e.message, "unknown name 'x': really")
        XCTAssertEqual(e.hint, "did you mean 'y'?")
        XCTAssertNil(e.file)
        guard case .failure = Self.parseHeader("// expect: twelve:5: x\n") else { return XCTFail("bad header accepted") }
        guard case .failure = Self.parseHeader("proc p() {}\n") else { return XCTFail("missing header accepted") }
    }
}
