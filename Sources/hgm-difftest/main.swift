import Foundation
import HGMModel
import HGMSpecGen

// hgm-difftest: the differential campaign. Generates random specs (HGMSpecGen), runs the
// engine and the reference executor on each, compares the sets of violated invariants and
// saves every disagreement as DIR/disagree-SEED.hgm with both verdicts in a header.

struct Options {
    var seed: UInt64 = 1
    var count = 1000
    var saveDir = "difftest-out"
    var maxStates = 200_000
    var jobs = max(1, ProcessInfo.processInfo.activeProcessorCount)
    var timeout = 20.0
    var engineWorkers = 1
    var reference = true
    var minimize = false
    var printSeed: UInt64? = nil
    var minimizeSeed: UInt64? = nil
}

let usage = """
    usage: hgm-difftest [--seed S] [--count N] [--save-dir DIR] [--max-states M] [--jobs J]
                        [--timeout SECONDS] [--engine-workers N] [--engine-only] [--minimize] [--print SPEC_SEED]
      --seed S        the campaign seed (default 1): the same seed gives the same specs
      --count N       how many specs (default 1000)
      --save-dir DIR  where disagreements are saved as disagree-SEED.hgm (default difftest-out)
      --max-states M  state limit of each search, engine and reference (default 200000)
      --jobs J        parallel workers (default: the number of cores)
      --timeout S     the engine's time limit per spec (default 20)
      --engine-workers N  also run the engine on N threads (--workers N) and count a verdict,
                      state or transition count, or trace length that differs from one thread
                      as a disagreement (named parallel-mismatch)
      --engine-only   run the engine alone (coverage of the generator)
      --minimize      also save DIR/disagree-SEED.min.hgm, a delta-debugged spec that still disagrees
      --print SEED    print the spec of one spec seed and exit
      --minimize-seed SEED  print a delta-debugged version of that spec that still disagrees, and exit
    """

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    func value(_ flag: String) -> String {
        guard let v = args.popFirst() else { FileHandle.standardError.write("\(flag) needs a value\n\(usage)\n".data(using: .utf8)!); exit(2) }
        return v
    }
    func number<T: FixedWidthInteger>(_ flag: String) -> T {
        let v = value(flag)
        guard let n = T(v) else { FileHandle.standardError.write("\(flag): '\(v)' is not a number\n".data(using: .utf8)!); exit(2) }
        return n
    }
    while let a = args.popFirst() {
        switch a {
        case "--seed": o.seed = number(a)
        case "--count": o.count = number(a)
        case "--save-dir": o.saveDir = value(a)
        case "--max-states": o.maxStates = number(a)
        case "--jobs": o.jobs = max(1, number(a))
        case "--timeout": o.timeout = Double(value(a)) ?? o.timeout
        case "--engine-workers": o.engineWorkers = max(1, number(a))
        case "--engine-only": o.reference = false
        case "--minimize": o.minimize = true
        case "--print": o.printSeed = number(a)
        case "--minimize-seed": o.minimizeSeed = number(a)
        case "-h", "--help": say(usage); exit(0)
        default: FileHandle.standardError.write("unknown argument '\(a)'\n\(usage)\n".data(using: .utf8)!); exit(2)
        }
    }
    return o
}

let opts = parseOptions()
if let s = opts.printSeed {
    FileHandle.standardOutput.write(SpecGenerator.spec(seed: s).text.data(using: .utf8)!)
    exit(0)
}

try? FileManager.default.createDirectory(atPath: opts.saveDir, withIntermediateDirectories: true)
let scratch = NSTemporaryDirectory() + "hgm-difftest-\(ProcessInfo.processInfo.processIdentifier)"
try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }

if let s = opts.minimizeSeed {
    let spec = SpecGenerator.spec(seed: s)
    guard case .checked(let e, let r?) = evaluate(spec.text, scratch: scratch, maxStates: opts.maxStates, timeout: opts.timeout, reference: true, workers: opts.engineWorkers) else {
        say("seed \(s): does not compile"); exit(2)
    }
    say("// engine:    \(e.text)\n// reference: \(r.text)")
    let small = minimizeDisagreement(spec.text, e, r, scratch: scratch, opts: opts)
    if case .checked(let e2, let r2?) = evaluate(small, scratch: scratch, maxStates: opts.maxStates, timeout: opts.timeout, reference: true, workers: opts.engineWorkers) {
        say("// minimised: engine \(e2.text); reference \(r2.text)")
    }
    FileHandle.standardOutput.write(small.data(using: .utf8)!)
    exit(0)
}

var stats = CampaignStats()
var gen = SpecGenerator(seed: opts.seed)
let start = Date()
var lastReport = Date()
let chunk = opts.jobs * 8
var done = 0
say("hgm-difftest: seed \(opts.seed), \(opts.count) specs, max-states \(opts.maxStates), \(opts.jobs) jobs\(opts.reference ? "" : ", engine only")")
while done < opts.count {
    let n = min(chunk, opts.count - done)
    let specs = (0..<n).map { _ in gen.next() }
    let results = OutcomeBox(n)
    DispatchQueue.concurrentPerform(iterations: n) { i in
        results.set(i, evaluate(specs[i].text, scratch: scratch, maxStates: opts.maxStates, timeout: opts.timeout, reference: opts.reference, workers: opts.engineWorkers))
    }
    for i in 0..<n {
        stats.record(specs[i], results.get(i), opts: opts, scratch: scratch)
    }
    done += n
    if Date().timeIntervalSince(lastReport) > 10 || done == opts.count {
        lastReport = Date()
        say(stats.progressLine(done: done, total: opts.count, seconds: Date().timeIntervalSince(start)))
    }
}
say(stats.summary(seconds: Date().timeIntervalSince(start), opts: opts))
exit(stats.disagreed + stats.partialDisagreed + stats.compileErrors > 0 ? 1 : 0)
