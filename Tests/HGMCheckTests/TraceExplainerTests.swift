import Foundation
@testable import HGMCheck
import HGMModel
import HGMSpec
import XCTest

/// The package root: this file is `<root>/Tests/HGMCheckTests/TraceExplainerTests.swift`.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

final class ScheduleTests: XCTestCase {
    func testTextRoundTripsAndCompresses() throws {
        let s = Schedule(moves: [.init(thread: "A", choice: 0), .init(thread: "A", choice: 0), .init(thread: "B", choice: 1),
                                 .init(thread: "C1", choice: 0), .init(thread: "C1", choice: 0), .init(thread: "C1", choice: 0)], cycleStart: 3)
        XCTAssertEqual(s.text, "A*2 B:2 | C1*3")
        XCTAssertEqual(try Schedule.parse(s.text), s)
        XCTAssertEqual(try Schedule.parse("A, A  B:2|C1 C1*2"), s)
    }

    func testSyntaxErrorsNameTheColumn() {
        func err(_ t: String) -> Schedule.SyntaxError? {
            do { _ = try Schedule.parse(t); return nil } catch { return error }
        }
        XCTAssertEqual(err("A #")?.column, 3)
        XCTAssertEqual(err("A*0")?.column, 3)
        XCTAssertEqual(err("A:x")?.column, 3)
        XCTAssertEqual(err("A | B | C")?.column, 7)
        XCTAssertEqual(err("  ")?.message, "the schedule is empty: expected thread names, e.g. `A B*2 C:2`")
        XCTAssertEqual(err("A*2x")?.column, 4)
    }
}

final class TraceExplainerTests: XCTestCase {
    /// The shadow run that recovers a step's decisions ends where the engine's step does, for
    /// every step of every trace of these specs (a disagreement would drop a step's notes).
    func testShadowRunAgreesWithTheEngine() throws {
        let specs = ["Specs/races/collapse-read-lock.hgm", "Specs/races/r4a-fault-truncate-buggy.hgm",
                     "Specs/races/r5-unmap-folio-vs-exit-buggy.hgm", "Specs/invariants/livelock.hgm",
                     "Specs/invariants/user-invariant.hgm", "Specs/invariants/ptl-held.hgm"]
        for spec in specs {
            let model = try Checker.load(path: root.appendingPathComponent(spec).path, sources: SourceMap())
            let r = Checker.check(model)
            XCTAssertFalse(r.violations.isEmpty, spec)
            for v in r.violations {
                let sched = try Schedule.parse(try XCTUnwrap(v.schedule, "\(spec) \(v.invariant)"))
                let moves = sched.moves.map { mv in (thread: model.threads.firstIndex { $0.name == mv.thread }!, choice: mv.choice) }
                let ex = TraceExplainer(machine: Machine(model: model)).explain(moves)
                XCTAssertNil(ex.mismatch, "\(spec) \(v.invariant)")
                XCTAssertEqual(ex.unexplainedSteps, 0, "\(spec) \(v.invariant)")
                XCTAssertEqual(ex.steps.count, v.trace.count)
                XCTAssertNotNil(v.finalState)
            }
        }
    }

    /// Calls and returns nest: every return matches the innermost open call, and a step's
    /// depth is the depth its procedure was called at.
    func testCallsAndDepthsNest() throws {
        let model = try Checker.load(path: root.appendingPathComponent("Specs/races/collapse-read-lock.hgm").path, sources: SourceMap())
        let r = Checker.check(model)
        for v in r.violations {
            var open: [String: [String]] = [:]
            for s in v.trace {
                if let top = open[s.thread]?.last { XCTAssertEqual(top, s.procedure, "step \(s.step)") }
                for n in s.notes {
                    if n.kind == .call { open[s.thread, default: []].append(n.procedure!) ; XCTAssertEqual(n.depth, open[s.thread]!.count) }
                    if n.kind == .return, open[s.thread]?.isEmpty == false { XCTAssertEqual(open[s.thread]!.removeLast(), n.procedure) }
                }
            }
        }
    }

    func testSharedPrefixesAreMarked() {
        func step(_ i: Int, _ t: String) -> TraceStep {
            TraceStep(step: i, thread: t, procedure: "p", location: "f.hgm:\(i)", statement: "s\(i)", changes: [])
        }
        var reports = [
            ViolationReport(invariant: "a", message: "", help: "", location: nil, trace: (1...5).map { step($0, "A") }, contextSwitches: 0),
            ViolationReport(invariant: "b", message: "", help: "", location: nil, trace: (1...4).map { step($0, "A") } + [step(5, "B")], contextSwitches: 0),
            ViolationReport(invariant: "c", message: "", help: "", location: nil, trace: (1...2).map { step($0, "A") }, contextSwitches: 0),
        ]
        TraceExplainer.markSharedPrefixes(&reports)
        XCTAssertNil(reports[0].sharedPrefix)
        XCTAssertEqual(reports[1].sharedPrefix, SharedPrefix(violation: 0, invariant: "a", steps: 4))
        XCTAssertNil(reports[2].sharedPrefix, "two shared steps are printed again")
    }
}
