/// Format v1 of the graph, defined once (../shared/spec/graph-format.md is its prose): each
/// object's keys in the order the readers number them, which of them are required, and the
/// rules a value must meet. The thorough loader, the fast reader, the writer and the schema
/// test all read these definitions; a key is added or renamed here and nowhere else.
enum Format {
    /// The format version this credq reads and writes.
    static let version = 1

    /// The keys of the graph file's top-level object.
    enum Top: String, FormatKey {
        case credq, organizations, skills, credentials, roles, learners
        static let required: Set<Top> = [.credq]
    }

    enum Organization: String, FormatKey {
        case id, name, kind, url, keys, revoked
        static let required: Set<Organization> = [.id, .name, .kind]
    }

    enum Skill: String, FormatKey {
        case id, name, aliases, category, broader
        static let required: Set<Skill> = [.id, .name]
    }

    enum Credential: String, FormatKey {
        case id, name, kind, provider, platform, teaches, weeks, hours, cost, currency, credits, requires, stack
        case accreditedBy = "accredited_by", recognizedBy = "recognized_by", validMonths = "valid_months", url
        static let required: Set<Credential> = [.id, .name, .kind, .provider]
    }

    /// A stack rule written as an object: one of `all`, `any`, `n` + `of`, `credits` + `of`.
    enum Rule: String, FormatKey {
        case all, any, n, credits, of
        static let required: Set<Rule> = []
        /// The key sets a rule object may have, each one shape.
        static let shapes: [Set<Rule>] = [[.all], [.any], [.n, .of], [.credits, .of]]
    }

    enum Role: String, FormatKey {
        case id, name, aliases, needs, onet, related, uses
        static let required: Set<Role> = [.id, .name, .needs]
    }

    enum Learner: String, FormatKey {
        case id, name, role, goal, holds
        static let required: Set<Learner> = [.id, .name]
    }

    enum Holding: String, FormatKey {
        case id, credential, issued, expires, proof
        static let required: Set<Holding> = [.id, .credential, .issued]
    }

    // MARK: - Rules on values

    /// A currency: an ISO 4217 code, three capital letters.
    static func isCurrency(_ utf8: some Collection<UInt8>) -> Bool {
        utf8.count == 3 && utf8.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
    }

    /// `valid_months`: a whole number of months above 0 (and below 100,000).
    static func validMonths(_ n: Double) -> Int? {
        n == n.rounded() && n > 0 && n < 100_000 ? Int(n) : nil
    }

    /// A rule's `n`: a whole number of items, at least 1 (and below a million).
    static func itemCount(_ n: Double) -> Int? {
        n == n.rounded() && n >= 1 && n < 1_000_000 ? Int(n) : nil
    }

    /// A skill level: a whole number from 1 to 4.
    static func level(_ n: Double) -> Int? {
        n == n.rounded() && n >= 1 && n <= 4 ? Int(n) : nil
    }
}

/// The keys of one kind of object in the format, spelled as the file writes them and numbered
/// in declaration order (the fast reader's key tables and bit masks follow that order).
protocol FormatKey: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String, AllCases == [Self] {
    static var required: Set<Self> { get }
}

extension FormatKey {
    /// The key as the file writes it.
    var name: String { rawValue }

    /// Its number: its place in the declaration.
    var number: Int { Self.allCases.firstIndex(of: self)! }

    /// Every key's spelling, in order.
    static var names: [String] { allCases.map(\.name) }

    /// The bit of each key in a set of keys seen, by its number.
    static func mask(_ keys: some Sequence<Self>) -> UInt32 {
        keys.reduce(0) { $0 | (1 << UInt32($1.number)) }
    }

    /// The bits of the required keys.
    static var requiredMask: UInt32 { mask(required) }

    static func named(_ name: String) -> Self? { Self(rawValue: name) }
}
