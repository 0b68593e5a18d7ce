import Foundation
import HGMCheck
import HGMModel
import HGMSpec
import HGMSpecGen
import XCTest

/// Compiles a generated spec (written to a temporary file: specs import nothing).
func compile(_ spec: GeneratedSpec) throws -> Model {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hgm-specgen-tests")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent("gen-\(spec.seed)-\(UUID().uuidString).hgm").path
    try spec.text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try Checker.load(path: path, sources: SourceMap())
}

final class GeneratorTests: XCTestCase {
    func testSameSeedSameText() {
        var a = SpecGenerator(seed: 42), b = SpecGenerator(seed: 42)
        for _ in 0..<50 {
            let x = a.next(), y = b.next()
            XCTAssertEqual(x, y)
            XCTAssertEqual(SpecGenerator.spec(seed: x.seed), x)
        }
        var c = SpecGenerator(seed: 43), d = SpecGenerator(seed: 42)
        XCTAssertNotEqual(d.next().text, c.next().text)
    }

    func testGeneratedSpecsCompile() throws {
        var gen = SpecGenerator(seed: 1)
        for i in 0..<500 {
            let s = gen.next()
            do {
                _ = try compile(s)
            } catch let e as DiagnosticError {
                XCTFail("spec \(i) (seed \(s.seed)) does not compile: \(e.diagnostics.map { "\($0.location.description): \($0.message)" }.joined(separator: "\n"))\n\(s.text)")
                return
            }
        }
    }
}
