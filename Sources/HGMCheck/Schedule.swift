import HGMModel

/// A trace as a schedule: which thread takes each step, and which alternative where it has
/// several. Text form (printed with every trace, read by `hgm-check replay`):
///
///     schedule := item (" " item)*
///     item     := THREAD [":" ALT] ["*" COUNT]  |  "|"
///
/// `THREAD` is a thread's name, `ALT` the 1-based alternative of an `either` (default 1,
/// the only one elsewhere), `*COUNT` repeats the item, and `|` marks where a livelock's
/// cycle starts (the steps after it repeat forever). Example: `A*2 B C:2 A | C*3`.
/// Thread names are identifiers, so the form is unambiguous.
public struct Schedule: Equatable, Sendable {
    public struct Move: Equatable, Sendable {
        public var thread: String
        /// 0-based alternative.
        public var choice: Int
        public init(thread: String, choice: Int) { self.thread = thread; self.choice = choice }
    }
    public var moves: [Move]
    /// 0-based index of the first move of a livelock's cycle.
    public var cycleStart: Int?

    public init(moves: [Move], cycleStart: Int? = nil) { self.moves = moves; self.cycleStart = cycleStart }

    /// A schedule error: the 1-based column in the text and what is wrong.
    public struct SyntaxError: Error, Equatable {
        public var column: Int
        public var message: String
    }

    /// The text form, with runs of one thread's identical moves compressed.
    public var text: String {
        var items: [String] = []
        var i = 0
        while i < moves.count {
            if i == cycleStart { items.append("|") }
            var n = 1
            while i + n < moves.count && moves[i + n] == moves[i] && i + n != cycleStart { n += 1 }
            let m = moves[i]
            items.append(m.thread + (m.choice > 0 ? ":\(m.choice + 1)" : "") + (n > 1 ? "*\(n)" : ""))
            i += n
        }
        if cycleStart == moves.count { items.append("|") }
        return items.joined(separator: " ")
    }

    /// Parses the text form; the thread names are checked when the schedule is replayed.
    public static func parse(_ text: String) throws(SyntaxError) -> Schedule {
        var moves: [Move] = []
        var cycle: Int? = nil
        let chars = Array(text)
        var i = 0
        func isName(_ c: Character) -> Bool { c == "_" || (c.isASCII && (c.isLetter || c.isNumber)) }
        func number(_ what: String) throws(SyntaxError) -> Int {
            let start = i
            while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
            guard i > start, let n = Int(String(chars[start..<i])), n >= 1, n <= 1_000_000 else {
                throw SyntaxError(column: start + 1, message: "expected \(what) (a number from 1 to 1000000)")
            }
            return n
        }
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" || c == "," || c == "\n" || c == "\r" { i += 1; continue }
            if c == "|" {
                if cycle != nil { throw SyntaxError(column: i + 1, message: "a second '|': a schedule has at most one cycle start") }
                cycle = moves.count
                i += 1
                continue
            }
            guard isName(c) else { throw SyntaxError(column: i + 1, message: "unexpected '\(c)': expected a thread name") }
            let start = i
            while i < chars.count, isName(chars[i]) { i += 1 }
            let name = String(chars[start..<i])
            var choice = 0
            if i < chars.count, chars[i] == ":" { i += 1; choice = try number("an alternative after ':'") - 1 }
            var count = 1
            if i < chars.count, chars[i] == "*" { i += 1; count = try number("a repeat count after '*'") }
            if i < chars.count, !(chars[i] == " " || chars[i] == "\t" || chars[i] == "," || chars[i] == "|" || chars[i] == "\n" || chars[i] == "\r") {
                throw SyntaxError(column: i + 1, message: "unexpected '\(chars[i])' after '\(String(chars[start..<i]))'")
            }
            if moves.count + count > 10_000_000 { throw SyntaxError(column: start + 1, message: "the schedule is longer than 10,000,000 steps") }
            moves += Array(repeating: Move(thread: name, choice: choice), count: count)
        }
        if moves.isEmpty { throw SyntaxError(column: 1, message: "the schedule is empty: expected thread names, e.g. `A B*2 C:2`") }
        return Schedule(moves: moves, cycleStart: cycle)
    }

    /// The schedule of engine moves (thread index, choice) of `model`.
    public init(_ moves: [(thread: Int, choice: Int)], model: Model, cycleStart: Int? = nil) {
        self.moves = moves.map { Move(thread: model.threads[$0.thread].name, choice: $0.choice) }
        self.cycleStart = cycleStart
    }
}
