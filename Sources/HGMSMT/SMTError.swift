/// The one error type of the Z3 façade. Every failure of a Z3 call surfaces as one of these
/// cases instead of Z3's default handler (which prints and calls `exit`).
public enum SMTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Z3 set a non-OK error code during `operation`; `message` was copied at once.
    case z3(operation: String, code: Int, message: String)
    /// Z3 returned no object and set no error code (treated as a failure, never ignored).
    case nullResult(operation: String)
    /// Terms, sorts or solvers of two different contexts were combined.
    case contextMismatch(operation: String)
    /// An argument the façade rejects before calling Z3 (e.g. a numeral wider than its sort).
    case invalidArgument(operation: String, message: String)
    /// A model value could not be read as the requested kind of value.
    case notAValue(operation: String, message: String)

    public var description: String {
        switch self {
        case .z3(let operation, let code, let message):
            return "Z3 error \(code) in \(operation): \(message)"
        case .nullResult(let operation):
            return "Z3 returned no result in \(operation)"
        case .contextMismatch(let operation):
            return "objects of different Z3 contexts combined in \(operation)"
        case .invalidArgument(let operation, let message):
            return "invalid argument to \(operation): \(message)"
        case .notAValue(let operation, let message):
            return "cannot read a value in \(operation): \(message)"
        }
    }
}
