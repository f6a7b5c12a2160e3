import Foundation

/// The fast reader's entity readers: one object of each kind, its fields and its ids, read
/// straight from the bytes with the keys `Format` defines.
extension FastGraphReader {
    // MARK: - Entities

    static let organizationKinds = KeySet(OrganizationKind.allCases.map(\.rawValue))
    static let credentialKinds = KeySet(CredentialKind.allCases.map(\.rawValue))
    static let organizationKeys = KeySet(Format.Organization.names)
    static let organizationCases = Format.Organization.allCases
    static let organizationRequired = Format.Organization.requiredMask

    mutating func readOrganization(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", idKey: UInt64 = 0, name = "", kind: OrganizationKind?, url: String?
        var jwks: [JSONValue] = [], revoked: [String] = []
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.organizationKeys)
                try Self.mark(key, in: &seen)
                switch Self.organizationCases[key] {
                case .id: (id, idKey) = try define(&c)
                case .name: name = try c.string()
                case .kind: kind = OrganizationKind.allCases[try c.word(Self.organizationKinds)]
                case .url: url = try c.string()
                case .keys: jwks = try c.jwks()
                case .revoked: revoked = try c.stringList()
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & Self.organizationRequired == Self.organizationRequired, let kind else { throw Bail() }
        orgIDs.append(idKey)
        organizations.append(Organization(id: id, name: name, kind: kind, url: url, keys: jwks, revoked: revoked))
    }

    static let skillKeys = KeySet(Format.Skill.names)
    static let skillCases = Format.Skill.allCases
    static let skillRequired = Format.Skill.requiredMask

    mutating func readSkill(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", idKey: UInt64 = 0, name = "", aliases: [String] = [], category: String?, broader: Int?
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.skillKeys)
                try Self.mark(key, in: &seen)
                switch Self.skillCases[key] {
                case .id: (id, idKey) = try define(&c)
                case .name: name = try c.string()
                case .aliases: aliases = try c.stringList()
                case .category: category = try c.string()
                case .broader: broader = try reference(&c)
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & Self.skillRequired == Self.skillRequired else { throw Bail() }
        skillIDs.append(idKey)
        if let broader { broaderRefs.append(broader) }
        skills.append(Skill(id: id, name: name, aliases: aliases, category: category, broader: broader))
    }

    static let credentialKeys = KeySet(Format.Credential.names)
    static let credentialCases = Format.Credential.allCases
    static let credentialRequired = Format.Credential.requiredMask

    mutating func readCredential(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", idKey: UInt64 = 0, name = "", kind: CredentialKind?, provider = 0, platform: Int?
        var teaches = SkillLevels(store: .empty, first: taught.count, end: taught.count), weeks = 0.0, hours: Double?, cost = 0.0, code: String?, credits = 0.0
        var requires: [Int] = [], stack: StackRule?, accredited: [Int] = [], recognized: [Int] = []
        var validMonths: Int?, url: String?
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.credentialKeys)
                try Self.mark(key, in: &seen)
                switch Self.credentialCases[key] {
                case .id: (id, idKey) = try define(&c)
                case .name: name = try c.string()
                case .kind: kind = CredentialKind.allCases[try c.word(Self.credentialKinds)]
                case .provider: provider = try reference(&c)
                case .platform: platform = try reference(&c)
                case .teaches:
                    try levels(&c)
                    let first = taught.count
                    taught.append(contentsOf: levelScratch)
                    teaches = SkillLevels(store: .empty, first: first, end: taught.count)
                case .weeks: weeks = try c.nonNegative()
                case .hours: hours = try c.nonNegative()
                case .cost: cost = try c.nonNegative()
                case .currency:
                    let text = try c.string()
                    guard Format.isCurrency(text.utf8) else { throw Bail() }
                    code = text
                case .credits: credits = try c.nonNegative()
                case .requires: requires = try references(&c)
                case .stack: stack = try rule(&c, depth: 0)
                case .accreditedBy: accredited = try references(&c)
                case .recognizedBy: recognized = try references(&c)
                case .validMonths:
                    guard let months = Format.validMonths(try c.number()) else { throw Bail() }
                    validMonths = months
                case .url: url = try c.string()
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & Self.credentialRequired == Self.credentialRequired, let kind else { throw Bail() }
        if let code {
            if let first = currency, first != code { throw Bail() }
            if currency == nil {
                currency = code
                currencyFrom = credentials.count
            }
        }
        credIDs.append(idKey)
        costs.append(cost)
        self.weeks.append(weeks)
        // In the order `resolveCatalog` writes them back.
        for level in taught[Int(teaches.lower)...] { taughtRefs.append(level.skill) }
        organizationRefs.append(provider)
        if let platform { organizationRefs.append(platform) }
        credentialRefs.append(contentsOf: requires)
        if let stack { Self.leaves(of: stack) { credentialRefs.append($0) } }
        organizationRefs.append(contentsOf: accredited)
        organizationRefs.append(contentsOf: recognized)
        credentials.append(Credential(
            id: id, name: name, kind: kind, provider: provider, platform: platform, teaches: teaches,
            weeks: weeks, hours: hours, cost: cost, currency: code ?? currency ?? "USD", credits: credits,
            requires: requires, stack: stack, accreditedBy: accredited, recognizedBy: recognized,
            validMonths: validMonths, url: url))
    }

    /// A stack rule, with credential keys in place of indexes until `finish`.
    mutating func rule(_ c: inout Cursor, depth: Int) throws(Bail) -> StackRule {
        guard depth < 64 else { throw Bail() }
        if c.peekIsQuote { return .credential(try reference(&c)) }
        try c.expect(UInt8(ascii: "{"))
        var seen: UInt32 = 0
        var items: [StackRule]?, number: Double?
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.ruleKeys)
                try Self.mark(key, in: &seen)
                switch Self.ruleCases[key] {
                case .all, .any, .of: items = try ruleList(&c, depth: depth)
                case .n, .credits: number = try c.number()
                }
            } while try c.nextMember()
        }
        guard let items else { throw Bail() }
        switch seen {
        case Self.allShape: return .all(items)
        case Self.anyShape: return .any(items)
        case Self.atLeastShape:
            guard let number, let n = Format.itemCount(number), n <= items.count else { throw Bail() }
            return .atLeast(n, items)
        case Self.creditsShape:
            guard let n = number, n >= 0 else { throw Bail() }
            var ids: [Int] = []
            for item in items {
                guard case .credential(let s) = item else { throw Bail() }
                ids.append(s)
            }
            return .credits(n, ids)
        default: throw Bail()
        }
    }

    static let ruleKeys = KeySet(Format.Rule.names)
    static let ruleCases = Format.Rule.allCases
    static let allShape = Format.Rule.mask([.all]), anyShape = Format.Rule.mask([.any])
    static let atLeastShape = Format.Rule.mask([.n, .of]), creditsShape = Format.Rule.mask([.credits, .of])

    mutating func ruleList(_ c: inout Cursor, depth: Int) throws(Bail) -> [StackRule] {
        try c.expect(UInt8(ascii: "["))
        guard try !c.arrayEnd() else { throw Bail() }
        var items: [StackRule] = []
        repeat {
            let item = try rule(&c, depth: depth + 1)
            if case .credential(let s) = item {
                for case .credential(let t) in items where keys.same(Self.key(s), Self.key(t)) { throw Bail() }  // listed twice in one rule
            }
            items.append(item)
        } while try c.nextElement()
        return items
    }

    static let roleKeys = KeySet(Format.Role.names)
    static let roleCases = Format.Role.allCases
    static let roleRequired = Format.Role.requiredMask

    mutating func readRole(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", idKey: UInt64 = 0, name = "", aliases: [String] = [], needs: [SkillLevel] = [], onet: String?
        var related: [Int] = [], uses: [Int] = []
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.roleKeys)
                try Self.mark(key, in: &seen)
                switch Self.roleCases[key] {
                case .id: (id, idKey) = try define(&c)
                case .name: name = try c.string()
                case .aliases: aliases = try c.stringList()
                case .needs:
                    try levels(&c)
                    needs = levelScratch.isEmpty ? [] : Array(exactly: levelScratch)
                case .onet: onet = try c.string()
                case .related: related = try references(&c)
                case .uses: uses = try references(&c)
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & Self.roleRequired == Self.roleRequired else { throw Bail() }
        roleIDs.append(idKey)
        for level in needs { neededRefs.append(level.skill) }
        relatedRefs.append(contentsOf: related)
        usedRefs.append(contentsOf: uses)
        roles.append(Role(id: id, name: name, aliases: aliases, needs: needs, onet: onet, related: related, uses: uses))
    }

    static let learnerKeys = KeySet(Format.Learner.names)
    static let learnerCases = Format.Learner.allCases
    static let learnerRequired = Format.Learner.requiredMask
    static let holdingKeys = KeySet(Format.Holding.names)
    static let holdingCases = Format.Holding.allCases
    static let holdingRequired = Format.Holding.requiredMask

    mutating func readLearner(_ c: inout Cursor) throws(Bail) {
        var seen: UInt32 = 0
        var id = "", idKey: UInt64 = 0, name = "", role: Int?, goal: UInt64?
        var holdings = Holdings(store: .empty, first: holdingStore.count, end: holdingStore.count)
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.learnerKeys)
                try Self.mark(key, in: &seen)
                switch Self.learnerCases[key] {
                case .id: (id, idKey) = try define(&c)
                case .name: name = try c.string()
                case .role: role = try reference(&c)
                case .goal: goal = try readKey(&c)
                case .holds:
                    try c.expect(UInt8(ascii: "["))
                    let first = holdingStore.count
                    if try !c.arrayEnd() {
                        repeat {
                            try c.ensureWindow()
                            try holding(&c)
                        } while try c.nextElement()
                    }
                    holdings = Holdings(store: .empty, first: first, end: holdingStore.count)
                }
            } while try c.nextMember()
        }
        guard !id.isEmpty, seen & Self.learnerRequired == Self.learnerRequired else { throw Bail() }
        if let goal { goals.append((learners.count, goal)) }
        if let role { learnerRoles.append(role) }
        learnerIDs.append(idKey)
        learners.append(Learner(id: id, name: name, role: role, goal: nil, holdings: holdings))
    }

    /// Reads a holding into `holdingStore`; its credential is resolved in `finish`.
    mutating func holding(_ c: inout Cursor) throws(Bail) {
        try c.expect(UInt8(ascii: "{"))
        var seen: UInt32 = 0
        var id: UInt64 = 0, credential = 0, issued: Day?, expires: Day?, proof: String?
        if try !c.objectEnd() {
            repeat {
                let key = try c.key(Self.holdingKeys)
                try Self.mark(key, in: &seen)
                switch Self.holdingCases[key] {
                case .id: id = try holdingID(&c)
                case .credential:
                    credential = try reference(&c)
                    holdingCredentials.append(credential)
                case .issued: issued = try c.day()
                case .expires: expires = try c.day()
                case .proof: proof = try c.string()
                }
            } while try c.nextMember()
        }
        guard seen & Self.holdingRequired == Self.holdingRequired, let issued else { throw Bail() }
        if let expires, expires < issued { throw Bail() }
        holdingStore.append(id: id, credential: 0, issued: issued, expires: expires, proof: proof)
    }

    /// A holding's id, which must be unique in the whole graph, as `HoldingStore` keeps it.
    mutating func holdingID(_ c: inout Cursor) throws(Bail) -> UInt64 {
        if let span = try c.plainString() {
            guard !span.isEmpty else { throw Bail() }
            let head = c.head(span)
            holdingIDs.add(span, head: head)
            if span.count <= 8 { return head }  // a plain string is ASCII with no NUL
            return holdingStore.longID(String(decoding: span, as: UTF8.self))
        }
        var id = try c.string()
        guard !id.isEmpty else { throw Bail() }
        id.withUTF8 { holdingIDs.add($0, head: KeyedHash.head($0)) }
        return holdingStore.longID(id)
    }

    // MARK: - Fields

    /// An object of skill id → whole level 1-4, with skill keys, into `levelScratch`.
    mutating func levels(_ c: inout Cursor) throws(Bail) {
        try c.expect(UInt8(ascii: "{"))
        // Gathered in a reused buffer, then copied once where they are kept.
        levelScratch.removeAll(keepingCapacity: true)
        if try c.objectEnd() { return }
        repeat {
            let skill = try reference(&c)
            try c.colon()
            guard let level = Format.level(try c.number()) else { throw Bail() }
            for earlier in levelScratch where keys.same(Self.key(earlier.skill), Self.key(skill)) { throw Bail() }  // duplicate key
            levelScratch.append(SkillLevel(skill: skill, level: level))
        } while try c.nextMember()
    }

    /// A list of ids, as keys.
    mutating func references(_ c: inout Cursor) throws(Bail) -> [Int] {
        try c.expect(UInt8(ascii: "["))
        var out: [Int] = []
        if try c.arrayEnd() { return out }
        repeat { out.append(try reference(&c)) } while try c.nextElement()
        return out
    }

    // MARK: - Ids

    /// The packed key of the id string at the cursor.
    @inline(__always)
    mutating func readKey(_ c: inout Cursor) throws(Bail) -> UInt64 {
        let key: UInt64?
        if let span = try c.plainString() {
            key = keys.key(span, head: c.head(span))
        } else {
            var text = try c.string()
            key = text.withUTF8 { keys.key($0, head: nil) }
        }
        guard let key else { throw Bail() }
        return key
    }

    /// A reference, kept as its id's key (in the bits of an `Int`) until `finish`.
    @inline(__always)
    mutating func reference(_ c: inout Cursor) throws(Bail) -> Int { Int(truncatingIfNeeded: try readKey(&c)) }

    @inline(__always)
    static func key(_ reference: Int) -> UInt64 { UInt64(truncatingIfNeeded: reference) }

    /// A defining id: the text, and its key.
    mutating func define(_ c: inout Cursor) throws(Bail) -> (String, UInt64) {
        let id: String, key: UInt64?
        if let span = try c.plainString() {
            id = String(decoding: span, as: UTF8.self)
            key = keys.key(span, head: c.head(span))
        } else {
            var text = try c.string()
            key = text.withUTF8 { keys.key($0, head: nil) }
            id = text
        }
        guard !id.isEmpty, let key else { throw Bail() }
        return (id, key)
    }
}
