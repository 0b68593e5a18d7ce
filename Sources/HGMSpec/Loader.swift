import Foundation

/// A spec with its imports resolved: every file parsed, procedures merged (overrides
/// replacing the imported procedure of the same name).
public struct LoadedSpec: Sendable {
    public var main: SpecFile
    /// Every procedure visible to the scenario, by name, after overrides.
    public var procs: [String: ProcDecl]
    /// The geometry and world may come from the main file or an import.
    public var geometry: GeometryDecl?
    public var world: [Entry]?
    /// The `world` keyword of the block in use.
    public var worldLocation: SourceLocation?
    public var lockOrder: [NamedLocation]?
    /// Prove blocks of the main file and of every import.
    public var proves: [ProveDecl] = []
}

/// Reads and parses a spec and its imports (paths relative to the importing file).
public struct SpecLoader {
    public let sources: SourceMap
    public init(sources: SourceMap) { self.sources = sources }

    public func load(path: String) throws(DiagnosticError) -> LoadedSpec {
        let main = try parse(path: path, from: nil)
        let mainKey = SpecLoader.key(path)
        var procs: [String: ProcDecl] = [:]
        var geometry: GeometryDecl? = nil
        var world: [Entry]? = nil
        var worldLoc: SourceLocation? = nil
        var order: [NamedLocation]? = nil
        var proves: [ProveDecl] = []
        var visiting: Set<String> = [mainKey]
        var loaded: Set<String> = []
        func include(_ f: SpecFile) throws(DiagnosticError) {
            for imp in f.imports {
                let p = resolve(imp.path, relativeTo: f.path)
                let k = SpecLoader.key(p)
                if visiting.contains(k) {
                    throw DiagnosticError([Diagnostic(imp.location, "import cycle: '\(imp.path)' imports this file back")])
                }
                if loaded.contains(k) { continue }
                if visiting.count > 32 { throw DiagnosticError([Diagnostic(imp.location, "imports nest too deeply")]) }
                visiting.insert(k)
                let g = try parse(path: p, from: imp.location)
                try include(g)
                visiting.remove(k)
                loaded.insert(k)
                for proc in g.procs {
                    if let prev = procs[proc.name], !proc.isOverride {
                        throw DiagnosticError([Diagnostic(proc.location, "procedure '\(proc.name)' is already defined at \(prev.location.description)",
                            hint: "use 'override proc \(proc.name)' to replace it")])
                    }
                    procs[proc.name] = proc
                }
                proves += g.proves
                if let gg = g.geometry { geometry = gg }
                if let w = g.world { world = w; worldLoc = g.worldLocation }
                if let o = g.lockOrder { order = o }
            }
        }
        try include(main)
        var own: Set<String> = []
        for proc in main.procs {
            if own.contains(proc.name) {
                throw DiagnosticError([Diagnostic(proc.location, "procedure '\(proc.name)' is defined twice in this file")])
            }
            own.insert(proc.name)
            if let prev = procs[proc.name], !proc.isOverride {
                throw DiagnosticError([Diagnostic(proc.location, "procedure '\(proc.name)' is already defined at \(prev.location.description)",
                    hint: "write 'override proc \(proc.name)' to replace the imported one")])
            }
            if proc.isOverride && procs[proc.name] == nil {
                throw DiagnosticError([Diagnostic(proc.location, "'override proc \(proc.name)' replaces nothing: no imported procedure has that name",
                    hint: didYouMean(proc.name, procs.keys) ?? "drop 'override' to define a new procedure")])
            }
            procs[proc.name] = proc
        }
        if let g = main.geometry { geometry = g }
        if let w = main.world { world = w; worldLoc = main.worldLocation }
        if let o = main.lockOrder { order = o }
        return LoadedSpec(main: main, procs: procs, geometry: geometry, world: world, worldLocation: worldLoc, lockOrder: order, proves: proves + main.proves)
    }

    /// A file's identity for cycle detection: its absolute, standardized path.
    static func key(_ p: String) -> String {
        let abs = p.hasPrefix("/") ? p : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(p)
        return ((abs as NSString).standardizingPath as NSString).resolvingSymlinksInPath
    }

    func resolve(_ p: String, relativeTo file: String) -> String {
        if p.hasPrefix("/") { return p }
        let dir = (file as NSString).deletingLastPathComponent
        return SpecLoader.normalize(((dir.isEmpty ? "." : dir) as NSString).appendingPathComponent(p))
    }

    /// Removes `.` and `name/..` components (relative paths too), so `Specs/races/../lib/x`
    /// is shown as `Specs/lib/x`.
    static func normalize(_ path: String) -> String {
        var out: [Substring] = []
        let absolute = path.hasPrefix("/")
        for c in path.split(separator: "/", omittingEmptySubsequences: true) {
            if c == "." { continue }
            if c == "..", let last = out.last, last != ".." { out.removeLast(); continue }
            out.append(c)
        }
        let joined = out.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    func parse(path: String, from: SourceLocation?) throws(DiagnosticError) -> SpecFile {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            let msg = "'\(path)' is a directory, not a spec file"
            if let from { throw DiagnosticError([Diagnostic(from, msg)]) }
            throw DiagnosticError([Diagnostic(SourceLocation(file: path, line: 0, column: 0), msg)])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let msg = FileManager.default.fileExists(atPath: path) ? "cannot read '\(path)'" : "no such file '\(path)'"
            if let from { throw DiagnosticError([Diagnostic(from, msg, hint: "import paths are relative to the importing file")]) }
            throw DiagnosticError([Diagnostic(SourceLocation(file: path, line: 0, column: 0), msg)])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DiagnosticError([Diagnostic(from ?? SourceLocation(file: path, line: 0, column: 0), "'\(path)' is not UTF-8 text")])
        }
        sources.add(file: path, text: text)
        var parser = try Parser(path: path, text: text)
        return try parser.parseFile()
    }
}
