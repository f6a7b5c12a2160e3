/// The entities of a credential graph, as format v1 describes them.
///
/// References between entities are indexes into the graph's arrays, resolved once at load.

/// What an organization is.
public enum OrganizationKind: String, Sendable, CaseIterable {
    case university, platform, industry, employer, accreditor
}

/// What a credential is, from the smallest to the largest.
public enum CredentialKind: String, Sendable, CaseIterable {
    case badge, course, microcredential, certificate, certification, degree
}

/// What a rule or a reference points at, in the order name resolution lists them.
public enum EntityKind: String, Sendable, CaseIterable {
    case credential, role, skill, learner, organization

    /// The plural a user types for a listing, such as `credentials`.
    public var plural: String {
        switch self {
        case .credential: "credentials"
        case .role: "roles"
        case .skill: "skills"
        case .learner: "learners"
        case .organization: "organizations"
        }
    }
}

/// A reference to one entity of a graph.
public struct EntityRef: Hashable, Sendable {
    public var kind: EntityKind
    public var index: Int

    public init(kind: EntityKind, index: Int) {
        self.kind = kind
        self.index = index
    }
}

/// An organization: a university, a platform, an industry body, an employer or an accreditor.
public struct Organization: Sendable {
    public var id: String
    public var name: String
    public var kind: OrganizationKind
    public var url: String?
    /// The issuer's public keys, as JWK objects, kept as written.
    var keys: [JSONValue]
    /// Holding ids this issuer has revoked.
    public var revoked: [String]
}

/// A skill, optionally with a broader parent skill.
public struct Skill: Sendable {
    public var id: String
    public var name: String
    public var aliases: [String]
    public var category: String?
    public var broader: Int?
}

/// A skill at a level: 1 foundational, 2 intermediate, 3 advanced, 4 expert.
public struct SkillLevel: Sendable, Equatable {
    public var skill: Int
    public var level: Int
}

/// How a composite credential is earned from others.
public indirect enum StackRule: Sendable, Equatable {
    case credential(Int)
    case all([StackRule])
    case any([StackRule])
    case atLeast(Int, [StackRule])
    case credits(Double, [Int])

    /// Every credential the rule names, in order, without repeats.
    public var credentials: [Int] {
        var seen = Set<Int>()
        var out: [Int] = []
        func walk(_ rule: StackRule) {
            switch rule {
            case .credential(let c): if seen.insert(c).inserted { out.append(c) }
            case .all(let items), .any(let items), .atLeast(_, let items): items.forEach(walk)
            case .credits(_, let items): for c in items where seen.insert(c).inserted { out.append(c) }
            }
        }
        walk(self)
        return out
    }
}

/// A badge, course, certificate, certification or degree.
public struct Credential: Sendable {
    public var id: String
    public var name: String
    public var kind: CredentialKind
    public var provider: Int
    public var platform: Int?
    public var teaches: SkillLevels
    public var weeks: Double
    public var hours: Double?
    public var cost: Double
    public var currency: String
    public var credits: Double
    public var requires: [Int]
    public var stack: StackRule?
    public var accreditedBy: [Int]
    public var recognizedBy: [Int]
    public var validMonths: Int?
    public var url: String?
}

/// A job role and the skills it needs.
public struct Role: Sendable {
    public var id: String
    public var name: String
    public var aliases: [String]
    public var needs: [SkillLevel]
    public var onet: String?
    /// Related roles, nearest first (O*NET's related occupations).
    public var related: [Int] = []
    /// Skills people in the role use that not every hire needs; never planned toward.
    public var uses: [Int] = []
}

/// A calendar day, as `YYYY-MM-DD`, in four bytes (millions of holdings carry two of them).
public struct Day: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// year × 512 + month × 32 + day: ordered as the dates are, and never 0.
    let packed: Int32

    public var year: Int { Int(packed >> 9) }
    public var month: Int { Int((packed >> 5) & 15) }
    public var day: Int { Int(packed & 31) }

    /// Parses a valid `YYYY-MM-DD` date, or returns nil.
    public init?(_ text: String) {
        var text = text
        guard let day = text.withUTF8({ Day(bytes: $0) }) else { return nil }
        self = day
    }

    /// Parses the bytes of a valid `YYYY-MM-DD` date, or returns nil.
    init?(bytes b: UnsafeBufferPointer<UInt8>) {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        let zero = UInt8(ascii: "0")
        let y0 = b[0] &- zero, y1 = b[1] &- zero, y2 = b[2] &- zero, y3 = b[3] &- zero
        let m0 = b[5] &- zero, m1 = b[6] &- zero, d0 = b[8] &- zero, d1 = b[9] &- zero
        guard y0 < 10, y1 < 10, y2 < 10, y3 < 10, m0 < 10, m1 < 10, d0 < 10, d1 < 10 else { return nil }
        let y = Int(y0) * 1000 + Int(y1) * 100 + Int(y2) * 10 + Int(y3)
        let m = Int(m0) * 10 + Int(m1), d = Int(d0) * 10 + Int(d1)
        guard m >= 1, m <= 12, d >= 1, d <= Day.daysIn(month: m, year: y) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    init(year: Int, month: Int, day: Int) {
        packed = Int32(year) << 9 | Int32(month) << 5 | Int32(day)
    }

    /// The day of a `packed` value.
    init(packed: Int32) { self.packed = packed }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The same day `months` later, clamped to the month's last day.
    func adding(months: Int) -> Day {
        let total = year * 12 + (month - 1) + months
        let y = total / 12
        let m = total % 12 + 1
        return Day(year: y, month: m, day: min(day, Day.daysIn(month: m, year: y)))
    }

    public static func < (a: Day, b: Day) -> Bool { a.packed < b.packed }

    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}

/// One awarded credential, held by a learner.
public struct Holding: Sendable {
    public var id: String
    public var credential: Int
    public var issued: Day
    /// As written in the file; see `Graph.expiry(of:)` for the effective date.
    public var expires: Day?
    /// A compact JWS, or a signed credential object kept as its JSON text (it starts with `{`).
    public var proof: String?

    /// The signed credential object the proof holds, when it is one.
    var signedCredential: JSONObject? {
        guard let proof, proof.hasPrefix("{"), case .object(let o)? = try? JSONParser.parse(Array(proof.utf8)) else { return nil }
        return o
    }
}

/// A learner's goal: a role or a credential.
public enum Goal: Sendable, Equatable {
    case role(Int)
    case credential(Int)
}

/// A person, with their current role, goal and holdings.
public struct Learner: Sendable {
    public var id: String
    public var name: String
    public var role: Int?
    public var goal: Goal?
    public var holdings: Holdings
}
