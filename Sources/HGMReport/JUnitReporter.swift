import Foundation
import HGMCheck
import HGMModel
import HGMSpec

/// Renders results as JUnit XML for CI dashboards, valid against the Ant JUnit schema
/// (`shared/schemas/junit.xsd`, windyroad/JUnit-Schema).
///
/// Layout:
/// - `<testsuites>` (the schema allows it no attributes) holding one `<testsuite>` per
///   result (one spec, one scenario), with `id` counting from 0 and `package` = `suiteName`.
///   A suite is named by its spec path; its `<properties>` hold the spec, scenario, verdict,
///   expectation, limit and the deterministic search statistics; `<system-out>` a summary and
///   every trace found; `<system-err>` is empty.
/// - One `<testcase>` per invariant (`name` = the invariant, `classname` = the spec path
///   with `/` as `.` and without `.hgm`, so dashboards group by directory). A testcase
///   *fails* when the outcome contradicts the spec's `expect` line for that invariant
///   (violated but expected to hold, or expected violated but held); the failure carries the
///   violation message and the trace as text. With no `expect` line every invariant is
///   expected to hold. When a search stopped at a limit, an invariant it could not decide is
///   an `<error type="incomplete">` with the limit's reason, not a failure; a violation found
///   before the limit still decides its invariant.
/// - One `<testcase>` per Z3 obligation (`classname` = the spec's classname, `.obligations.`
///   and the geometry): a failure when it gave a result other than the one it is meant to
///   give (a counterexample, or a proof where a counterexample was expected), an error when
///   Z3 said unknown; `time` is the obligation's solver time. A spec without threads
///   (`searched == false`) has only these.
/// - Spec load errors (the `errors` of the CLI) become one more suite, `spec-errors`, with an
///   `<error type="spec-error">` testcase per error.
///
/// Which invariants get a testcase: those the search checked (`CheckResult.checked`: the
/// built-in invariants the spec's `check` line selects and its user invariants) plus every
/// violated or expected-violated one. A result with an empty `checked` (built by hand) falls
/// back to the violated and expected-violated invariants, or — with neither — every built-in
/// invariant.
///
/// Timing: a suite's `time` is the search's `stats.seconds` plus the obligations' solver
/// time; the search checks every invariant at once, so each invariant testcase gets an equal
/// share of the search time (the testcases add up to the suite's time, as dashboards
/// expect). `timestamp` (UTC, no zone, as the schema requires) and `hostname` are fixed when
/// the reporter is created, so one reporter renders the same results byte for byte the same.
public struct JUnitReporter {
    /// When the checks ran; written to every suite's `timestamp`.
    public var timestamp: Date
    /// The machine they ran on; written to every suite's `hostname`.
    public var hostname: String

    public init(timestamp: Date = Date(), hostname: String? = nil) {
        self.timestamp = timestamp
        let h = (hostname ?? ProcessInfo.processInfo.hostName).trimmingCharacters(in: .whitespacesAndNewlines)
        self.hostname = h.isEmpty ? "localhost" : h
    }

    /// - Parameters:
    ///   - results: one testsuite each, in order.
    ///   - suiteName: the `package` of every suite (the schema gives `<testsuites>` no name).
    ///   - checked: spec path (as in `CheckResult.spec`) → the invariants to report for it,
    ///     overriding the result's own `checked` list (which is the default and normally right).
    ///   - errors: spec load errors, as the CLI renders them (`file:line:col: error: ...`).
    public func render(_ results: [CheckResult], suiteName: String = "hgm-check",
                       checked: [String: [String]] = [:], errors: [String] = []) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
        for (i, result) in results.enumerated() {
            var r = result
            if let c = checked[r.spec] { r.checked = c }
            out += suite(r, id: i, package: suiteName)
        }
        if !errors.isEmpty { out += errorSuite(errors, id: results.count, package: suiteName) }
        out += "</testsuites>\n"
        return out
    }

    // MARK: suites

    func suite(_ r: CheckResult, id: Int, package: String) -> String {
        let outcomes = ReportSupport.outcomes(r)
        let problems = r.obligations.map(ReportSupport.obligationProblem)
        let failures = outcomes.filter { if case .failed = $0.status { true } else { false } }.count
            + problems.filter { $0?.undecided == false }.count
        let errors = outcomes.filter { if case .undecided = $0.status { true } else { false } }.count
            + problems.filter { $0?.undecided == true }.count
        let searchSeconds = r.searched ? r.stats.seconds : 0
        let share = outcomes.isEmpty ? 0 : searchSeconds / Double(outcomes.count)
        let suiteSeconds = searchSeconds + r.obligations.reduce(0) { $0 + max(0, $1.seconds) }
        let classname = JUnitReporter.classname(r.spec)

        var props: [(String, String)] = [("spec", r.spec)]
        if let s = r.scenario { props.append(("scenario", s)) }
        props.append(("searched", String(r.searched)))
        props.append(("verdict", r.verdict.rawValue))
        if let e = r.expectation { props.append(("expectation", ReportSupport.describe(e))) }
        if let m = r.expectationMet { props.append(("expectation_met", String(m))) }
        if let l = r.limit { props.append(("limit", l)) }
        if r.searched {
            props += [("distinct_states", String(r.stats.distinctStates)), ("transitions", String(r.stats.transitions)),
                      ("depth", String(r.stats.depth)), ("state_bytes", String(r.stats.stateBytes))]
        }
        props.append(("obligations", String(r.obligations.count)))

        var out = "  <testsuite" + attrs([
            ("name", r.spec), ("package", package), ("id", String(id)),
            ("tests", String(outcomes.count + r.obligations.count)), ("failures", String(failures)), ("errors", String(errors)),
            ("skipped", "0"), ("time", ReportSupport.decimal(suiteSeconds)),
            ("timestamp", JUnitReporter.timestampText(timestamp)), ("hostname", hostname),
        ]) + ">\n"
        out += "    <properties>\n"
        for (k, v) in props { out += "      <property" + attrs([("name", k), ("value", v)]) + "/>\n" }
        out += "    </properties>\n"
        for o in outcomes {
            let head = "    <testcase" + attrs([("name", o.invariant), ("classname", classname),
                                                 ("time", ReportSupport.decimal(share))])
            switch o.status {
            case .passed:
                out += head + "/>\n"
            case .failed(let type, let message):
                var body = o.violation.map(ReportSupport.traceText) ?? ""
                if let e = r.expectation { body += "expectation: \(ReportSupport.describe(e))\n" }
                else if o.violation != nil { body += "expectation: none (every invariant is expected to hold)\n" }
                body += "found: \(ReportSupport.found(r))\n"
                out += head + ">\n" + problem("failure", type: type, message: message, body: body) + "    </testcase>\n"
            case .undecided(let type, let message):
                out += head + ">\n" + problem("error", type: type, message: message, body: message + "\n") + "    </testcase>\n"
            }
        }
        for (o, p) in zip(r.obligations, problems) {
            let head = "    <testcase" + attrs([("name", o.name), ("classname", "\(classname).obligations.\(o.geometry)"),
                                                 ("time", ReportSupport.decimal(o.seconds))])
            if let p {
                out += head + ">\n" + problem(p.undecided ? "error" : "failure", type: p.type, message: p.message,
                                              body: ReportSupport.obligationText(o)) + "    </testcase>\n"
            } else {
                out += head + "/>\n"
            }
        }
        out += "    <system-out>" + JUnitReporter.escapeText(summary(r)) + "</system-out>\n"
        out += "    <system-err></system-err>\n"
        out += "  </testsuite>\n"
        return out
    }

    /// A `<failure>` or `<error>` element with its text.
    func problem(_ element: String, type: String, message: String, body: String) -> String {
        "      <\(element)" + attrs([("type", type), ("message", message)]) + ">" + JUnitReporter.escapeText(body) + "</\(element)>\n"
    }

    func errorSuite(_ errors: [String], id: Int, package: String) -> String {
        var out = "  <testsuite" + attrs([
            ("name", "spec-errors"), ("package", package), ("id", String(id)),
            ("tests", String(errors.count)), ("failures", "0"), ("errors", String(errors.count)),
            ("skipped", "0"), ("time", "0.000"),
            ("timestamp", JUnitReporter.timestampText(timestamp)), ("hostname", hostname),
        ]) + ">\n    <properties></properties>\n"
        for (i, e) in errors.enumerated() {
            let file = ReportSupport.errorPosition(e)?.file
            out += "    <testcase" + attrs([("name", file.map { "load \($0)" } ?? "spec error \(i + 1)"),
                                            ("classname", file.map(JUnitReporter.classname) ?? "spec-errors"),
                                            ("time", "0.000")]) + ">\n"
            out += problem("error", type: "spec-error", message: ReportSupport.firstLine(e), body: e + "\n") + "    </testcase>\n"
        }
        out += "    <system-out></system-out>\n    <system-err></system-err>\n  </testsuite>\n"
        return out
    }

    /// The verdict, expectation and search size, and every trace found (failing testcases
    /// carry theirs too; this also shows the expected ones). No timing: it is deterministic.
    func summary(_ r: CheckResult) -> String {
        var out = "\(r.verdict.rawValue.uppercased())  \(r.spec)" + (r.scenario.map { " — \($0)" } ?? "") + "\n"
        if let l = r.limit { out += "search incomplete: \(l)\n" }
        if let e = r.expectation {
            let met = r.expectationMet.map { $0 ? "met" : "NOT MET" } ?? "undecided (search incomplete)"
            out += "expectation: \(ReportSupport.describe(e)) — \(met)\n"
        }
        if r.searched {
            out += "states: \(r.stats.distinctStates) distinct, \(r.stats.transitions) transitions, depth \(r.stats.depth)\n"
        } else {
            out += "no scenario (no threads): only obligations\n"
        }
        if !r.obligations.isEmpty {
            out += "obligations: \(r.obligations.count), \(r.obligations.filter(\.ok).count) as expected\n"
        }
        let expected = ReportSupport.expectedViolations(r)
        for v in r.violations {
            out += "\nVIOLATION \(v.invariant)\(expected.contains(v.invariant) ? " (expected)" : "")\n"
            out += ReportSupport.traceText(v)
        }
        return out
    }

    // MARK: XML

    func attrs(_ list: [(String, String)]) -> String {
        list.map { " \($0.0)=\"\(JUnitReporter.escapeAttribute($0.1))\"" }.joined()
    }

    /// `Specs/races/collapse-read-lock.hgm` → `Specs.races.collapse-read-lock`.
    static func classname(_ spec: String) -> String {
        var p = ReportSupport.normalizedPath(spec)
        if p.hasSuffix(".hgm") { p.removeLast(4) }
        let parts = p.split(separator: "/").filter { $0 != ".." && $0 != "." }
        let name = parts.joined(separator: ".")
        return name.isEmpty ? "spec" : name
    }

    /// `yyyy-MM-ddTHH:mm:ss` in UTC: the schema's pattern allows no zone and no fraction.
    static func timestampText(_ d: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1,
                      c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// Character data: `&`, `<`, `>` escaped, CR kept as a reference, and characters XML 1.0
    /// cannot carry at all (other C0 controls, U+FFFE, U+FFFF) written as `\u{..}`.
    static func escapeText(_ s: String) -> String { escape(s, attribute: false) }

    /// An attribute value in double quotes: as text, plus quotes, and tab, LF and CR as
    /// character references so attribute-value normalization keeps them.
    static func escapeAttribute(_ s: String) -> String { escape(s, attribute: true) }

    static func escape(_ s: String, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "'" where attribute: out += "&apos;"
            case "\n": out += attribute ? "&#10;" : "\n"
            case "\t": out += attribute ? "&#9;" : "\t"
            case "\r": out += "&#13;"
            default:
                if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF {
                    out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }
}
