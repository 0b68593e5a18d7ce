/// The obligation families of design.md §5 that are generated from a geometry.
public enum ObligationFamily: String, Sendable, Hashable, CaseIterable {
    /// Entry of address `a` at every entry size ≤ hstate: aligned, contains `a`, inside the
    /// hugepage, table index below the real fan-out (contiguous blocks inside one table).
    case alignment
    /// `hugetlb_alloc_largest_pte`'s choice of size for `[addr, end)`.
    case largestEntry = "largest-entry"
    /// The UFFDIO_CONTINUE loop over a PAGE-aligned range (inductive formulation).
    case continueLoop = "continue-loop"
    /// The MADV_COLLAPSE range clamped to whole hugepages.
    case collapseRange = "collapse-range"
    /// Mapcount effects of map / zap / collapse / split preserve "mapcount = leaves".
    case mapcount
    /// Where a 32-bit signed mapcount or refcount first overflows.
    case counterWidth = "counter-width"
    /// A spec's own `prove` block (not generated; no false variant).
    case user = "prove"
}

/// What the generator expects Z3 to find.
public enum ObligationExpectation: String, Sendable, Hashable {
    /// The claim holds for all values (expect `proved`).
    case holds
    /// The claim is false by design (a deliberately false variant, or a counter-width
    /// obligation whose counterexample is the figure being reported).
    case fails
}

/// A named term evaluated in Swift on a counterexample's values and reported beside them.
public struct ObligationReport: Sendable, Hashable {
    public var name: String
    public var term: ObligationTerm

    public init(_ name: String, _ term: ObligationTerm) {
        self.name = name
        self.term = term
    }
}

/// One generated obligation: `claim` must hold for every value of its free variables.
/// It is proved only when Z3 answers `unsat` for `¬claim`.
public struct ArithmeticObligation: Sendable, Hashable {
    /// Stable name within its geometry, e.g. "alignment.PMD.contained".
    public var name: String
    public var geometry: String
    public var family: ObligationFamily
    /// One sentence saying what the claim states.
    public var summary: String
    public var claim: ObligationTerm
    public var expectation: ObligationExpectation
    /// Derived values to report with a counterexample (e.g. the mapcount).
    public var reports: [ObligationReport]
    /// Where a spec's prove block states it (file:line:col); nil for generated obligations.
    public var location: String? = nil

    public init(
        name: String, geometry: String, family: ObligationFamily, summary: String,
        claim: ObligationTerm, expectation: ObligationExpectation = .holds, reports: [ObligationReport] = []
    ) {
        self.name = name
        self.geometry = geometry
        self.family = family
        self.summary = summary
        self.claim = claim
        self.expectation = expectation
        self.reports = reports
    }

    /// The claim's free variables (universally quantified), in order of first occurrence.
    public var variables: [ObligationVariable] { claim.freeVariables }

    /// "geometry: name".
    public var qualifiedName: String { "\(geometry): \(name)" }
}
