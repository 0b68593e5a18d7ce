import Foundation
import HGMSpecGen

/// Results written by the parallel workers, read back in spec order.
final class OutcomeBox: @unchecked Sendable {
    private var items: [Outcome?]
    private let lock = NSLock()
    init(_ n: Int) { items = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ o: Outcome) { lock.lock(); items[i] = o; lock.unlock() }
    func get(_ i: Int) -> Outcome { lock.lock(); defer { lock.unlock() }; return items[i]! }
}

/// The campaign's counters, and the saving of disagreements.
struct CampaignStats {
    var specs = 0, compared = 0, agreed = 0, disagreed = 0, partialDisagreed = 0, incomplete = 0, compileErrors = 0
    var engineIncomplete = 0, referenceIncomplete = 0
    var engineCounts: [String: Int] = [:]
    var referenceCounts: [String: Int] = [:]
    /// Disagreements by the invariants that differ (symmetric difference), for the summary.
    var classes: [String: [UInt64]] = [:]

    mutating func record(_ spec: GeneratedSpec, _ o: Outcome, opts: Options, scratch: String) {
        specs += 1
        switch o {
        case .compileError(let d):
            compileErrors += 1
            save(spec, header: ["does not compile: \(d)"], name: "compile-error-\(spec.seed).hgm", opts: opts)
            say("COMPILE ERROR seed \(spec.seed): \(d)")
        case .checked(let e, let r):
            for v in e.violated { engineCounts[v, default: 0] += 1 }
            for v in r?.violated ?? [] { referenceCounts[v, default: 0] += 1 }
            if !e.complete { engineIncomplete += 1 }
            if let r, !r.complete { referenceIncomplete += 1 }
            switch compare(e, r) {
            case .agreed: compared += 1; agreed += 1
            case .notCompared: break
            case .incomplete: incomplete += 1
            case .disagreed, .partialDisagreed:
                let partial = compare(e, r) == .partialDisagreed
                if partial { partialDisagreed += 1; incomplete += 1 } else { compared += 1; disagreed += 1 }
                let r = r!
                let diff = e.violated.symmetricDifference(r.violated).sorted().joined(separator: ",")
                classes[(partial ? "partial:" : "") + diff, default: []].append(spec.seed)
                var header = ["\(partial ? "partial " : "")disagreement found by hgm-difftest, spec seed \(spec.seed) (roles: \(spec.roles.joined(separator: " ")))",
                              "engine:    \(e.text)", "reference: \(r.text)"]
                header.append("reproduce: hgm-difftest --print \(spec.seed)")
                save(spec, header: header, name: "disagree-\(spec.seed).hgm", opts: opts)
                say("DISAGREE seed \(spec.seed): engine \(e.text); reference \(r.text)")
                if opts.minimize && !partial {
                    let small = minimizeDisagreement(spec.text, e, r, scratch: scratch, opts: opts)
                    save(GeneratedSpec(text: small, seed: spec.seed, roles: spec.roles), header: ["minimised from disagree-\(spec.seed).hgm"] + header.dropFirst(),
                         name: "disagree-\(spec.seed).min.hgm", opts: opts)
                }
            }
        }
    }

    func save(_ spec: GeneratedSpec, header: [String], name: String, opts: Options) {
        let text = header.map { "// " + $0 }.joined(separator: "\n") + "\n" + spec.text
        try? text.write(toFile: opts.saveDir + "/" + name, atomically: true, encoding: .utf8)
    }

    func progressLine(done: Int, total: Int, seconds: Double) -> String {
        String(format: "%d/%d specs  compared %d  agreed %d  disagreed %d  partial %d  incomplete %d  compile-errors %d  %.1f specs/s",
               done, total, compared, agreed, disagreed, partialDisagreed, incomplete, compileErrors, Double(done) / max(seconds, 1e-9))
    }

    func summary(seconds: Double, opts: Options) -> String {
        var out = ["", "summary: \(specs) specs in \(String(format: "%.1f", seconds)) s (\(String(format: "%.1f", Double(specs) / max(seconds, 1e-9))) specs/s)",
                   "  compared \(compared), agreed \(agreed), disagreed \(disagreed), partial disagreements \(partialDisagreed), incomplete \(incomplete) (engine \(engineIncomplete), reference \(referenceIncomplete)), compile errors \(compileErrors)",
                   "  specs violating each invariant (engine\(opts.reference ? " / reference" : "")):"]
        let names = Set(engineCounts.keys).union(referenceCounts.keys).sorted()
        for n in names {
            out.append("    \(n.padding(toLength: 18, withPad: " ", startingAt: 0)) \(engineCounts[n, default: 0])" + (opts.reference ? " / \(referenceCounts[n, default: 0])" : ""))
        }
        if !classes.isEmpty {
            out.append("  disagreements by differing invariants (seeds):")
            for (k, seeds) in classes.sorted(by: { $0.value.count > $1.value.count }) {
                out.append("    \(k): \(seeds.count)  e.g. \(seeds.prefix(5).map(String.init).joined(separator: " "))")
            }
        }
        return out.joined(separator: "\n")
    }
}

/// A delta-debugged spec on which the engine and the reference still disagree about at least
/// one of the invariants they disagreed on originally (both searches complete).
func minimizeDisagreement(_ text: String, _ e: Verdict, _ r: Verdict, scratch: String, opts: Options) -> String {
    let target = e.violated.symmetricDifference(r.violated)
    return SpecMinimizer.minimize(text, maxTests: 600) { t in
        guard case .checked(let e2, let r2?) = evaluate(t, scratch: scratch, maxStates: opts.maxStates, timeout: opts.timeout, reference: true, workers: opts.engineWorkers),
              e2.complete && r2.complete else { return false }
        return !target.isDisjoint(with: e2.violated.symmetricDifference(r2.violated))
    }
}

/// Writes a line to standard output unbuffered, so progress shows at once in a log file.
func say(_ line: String) {
    FileHandle.standardOutput.write((line + "\n").data(using: .utf8)!)
}
