import Foundation
import HGMModel
import HGMSpec

/// Writes `text` to a fresh temporary spec file (with the repository's Specs/lib beside it
/// reachable through an absolute import) and compiles it.
func compileSpec(_ text: String, name: String = "t.hgm") throws -> Model {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hgm-model-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let spec = try SpecLoader(sources: SourceMap()).load(path: path)
    return try Compiler.compile(spec)
}

/// The repository's Specs/ folder.
let specsDir: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Specs").path
}()

let smallHeader = """
    geometry x86_64 { hstate = 2M; fanout = 2 }
    world {
        file hugepages = 1, cached = all, i_size = 1
        vma V0 shared hgm
        mutex m
        mutex fault_mutex[buckets = 2]
    }

    """

/// Runs one step of thread t (alternative `choice`) on s; the name of the violation it
/// raised, or nil.
func stepOnce(_ m: Machine, _ s: inout [Word], _ t: Int, choice: Int = 0) -> String? {
    let o = s.withUnsafeMutableBufferPointer { m.step($0.baseAddress!, t, choice: choice) }
    return o.raised.first.map(m.name(ofViolation:))
}
