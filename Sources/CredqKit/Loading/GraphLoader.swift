import Foundation

/// One graph file to load: a name for messages, and its bytes or the path to read them from.
public struct GraphSource: Sendable {
    public var name: String
    /// The text, when it is given in memory (standard input, the built-in catalog, tests).
    public var bytes: [UInt8]
    /// A file on disk, read each time the graph is loaded: the fast loader streams it through
    /// a small window, so no copy of a large file stays in memory.
    public private(set) var path: String?

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    /// A file on disk, named by its path.
    public static func file(_ path: String) -> GraphSource {
        var source = GraphSource(name: path, bytes: [])
        source.path = path
        return source
    }

    /// Whether the source is a snapshot file (named `.cqs`, or starting as one does).
    var isSnapshot: Bool {
        guard let path else { return false }
        return path.hasSuffix(".cqs") || SnapshotFile.looksLikeSnapshot(path: path)
    }

    /// The whole text: the bytes, or the file read now.
    func contents() throws -> [UInt8] {
        guard let path else { return bytes }
        return try SourceFiles.readBytes(path)
    }
}

/// Loads graph files in format v1, merges them, validates everything the format page lists,
/// and reports every problem found with its file and JSON path.
public enum GraphLoader {
    /// The result of a load that succeeded: the graph and the warnings (unknown keys).
    public struct Loaded: Sendable {
        public var graph: Graph
        public var warnings: [GraphDiagnostic]
    }

    public static func load(_ sources: [GraphSource]) throws(GraphLoadError) -> Loaded {
        var sources = sources
        let snapshots = sources.map(\.isSnapshot)
        if snapshots.contains(true) {
            // One snapshot opens as it is; one merged with other files is read back as the
            // graph it holds, then merged as a file would be.
            if sources.count == 1, let path = sources[0].path { return Loaded(graph: try SnapshotFile.open(path: path), warnings: []) }
            for (i, source) in sources.enumerated() where snapshots[i] {
                guard let path = source.path else { continue }
                let graph = try SnapshotFile.open(path: path)
                try SnapshotFile.checkAll(graph)
                sources[i] = GraphSource(name: source.name, bytes: Array(GraphWriter.json(graph).utf8))
            }
        }
        if let graph = FastGraphReader.load(sources) { return Loaded(graph: graph, warnings: []) }
        return try loadThoroughly(sources)
    }

    /// The thorough path: a JSON tree, then every check with its file, path and position.
    static func loadThoroughly(_ sources: [GraphSource]) throws(GraphLoadError) -> Loaded {
        var reader = RawReader()
        for source in sources {
            do {
                reader.read(name: source.name, bytes: try source.contents())
            } catch {
                let message = SourceFiles.describe(ioError: error)
                throw GraphLoadError(diagnostics: [GraphDiagnostic(severity: .error, file: source.name, path: "", message: message)], isIOError: true)
            }
        }
        var builder = GraphBuilder(raw: reader.raw, diagnostics: reader.diagnostics)
        let graph = builder.build(sources: sources.map(\.name))
        let errors = builder.diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty {
            throw GraphLoadError(diagnostics: builder.diagnostics, isIOError: false)
        }
        return Loaded(graph: graph, warnings: builder.diagnostics)
    }
}

// MARK: - Raw entities: decoded fields, references still as ids

/// Where an entity came from, for messages.
struct Origin {
    var file: String
    var path: String
}

struct RawOrganization {
    var origin: Origin
    var id: String, name: String, kind: OrganizationKind, url: String?
    var keys: [JSONValue], revoked: [String]
}

struct RawSkill {
    var origin: Origin
    var id: String, name: String, aliases: [String], category: String?, broader: String?
}

indirect enum RawRule {
    case credential(String, path: String)
    case all([RawRule]), any([RawRule]), atLeast(Int, [RawRule])
    case credits(Double, [(String, path: String)])
}

struct RawCredential {
    var origin: Origin
    var id: String, name: String, kind: CredentialKind, provider: String, platform: String?
    var teaches: [(skill: String, level: Int)]
    var weeks: Double, hours: Double?, cost: Double, currency: String?, credits: Double
    var requires: [String], stack: RawRule?
    var accreditedBy: [String], recognizedBy: [String]
    var validMonths: Int?, url: String?
}

struct RawRole {
    var origin: Origin
    var id: String, name: String, aliases: [String], needs: [(skill: String, level: Int)], onet: String?
    var related: [String], uses: [String]
}

struct RawHolding {
    var path: String
    var id: String, credential: String, issued: Day, expires: Day?, proof: String?
}

struct RawLearner {
    var origin: Origin
    var id: String, name: String, role: String?, goal: String?, holds: [RawHolding]
}

struct RawGraph {
    /// Every id seen per list, even on entities refused for other errors, to find duplicates.
    var idsSeen: [String: [(id: String, origin: Origin)]] = [:]
    var organizations: [RawOrganization] = []
    var skills: [RawSkill] = []
    var credentials: [RawCredential] = []
    var roles: [RawRole] = []
    var learners: [RawLearner] = []
}

// MARK: - Reading files into raw entities


/// Reads each file's JSON into raw entities, collecting diagnostics instead of stopping.
struct RawReader {
    var raw = RawGraph()
    var diagnostics: [GraphDiagnostic] = []
    private var file = ""
    /// Unknown keys already reported in this file, by list and key.
    private var reportedUnknown = Set<String>()


    mutating func read(name: String, bytes: [UInt8]) {
        file = name
        reportedUnknown = []
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            let (line, column) = error.location(in: bytes)
            diagnostics.append(GraphDiagnostic(severity: .error, file: file, path: "", line: line, column: column, message: error.message))
            return
        }
        // Problems with the document as a whole point at where its value starts.
        var line = 1, column = 1
        for b in bytes {
            if b == 0x0A { line += 1; column = 1 } else if b == 0x20 || b == 0x09 || b == 0x0D { column += 1 } else { break }
        }
        func failAtRoot(_ problem: GraphProblem) {
            diagnostics.append(GraphDiagnostic(severity: .error, file: file, path: "", line: line, column: column, message: problem.words))
        }
        guard case .object(let top) = root else {
            failAtRoot(.notAnObject(found: root.typeName))
            return
        }
        switch top[Format.Top.credq.name] {
        case nil: failAtRoot(.missingVersion)
        case .number(Double(Format.version)): break
        case .some(let v): fail(Format.Top.credq.name, .unsupportedVersion(found: v.serialized()))
        }
        for member in top.members where Format.Top.named(member.key) == nil {
            warnUnknown(member.key, list: "", path: member.key)
        }
        readList(top, .organizations) { r, o, p in r.readOrganization(o, p) }
        readList(top, .skills) { r, o, p in r.readSkill(o, p) }
        readList(top, .credentials) { r, o, p in r.readCredential(o, p) }
        readList(top, .roles) { r, o, p in r.readRole(o, p) }
        readList(top, .learners) { r, o, p in r.readLearner(o, p) }
    }

    private mutating func readList(_ top: JSONObject, _ list: Format.Top, _ each: (inout RawReader, JSONObject, String) -> Void) {
        let key = list.name
        guard let value = top[key] else { return }
        guard case .array(let items) = value else {
            fail(key, .expectedArray(found: value.typeName))
            return
        }
        for (i, item) in items.enumerated() {
            let path = "\(key)[\(i)]"
            guard case .object(let object) = item else {
                fail(path, .expectedObject(found: item.typeName))
                continue
            }
            // Every entity has an id, under the same key.
            if case .string(let id) = object[Format.Skill.id.name], !id.isEmpty { raw.idsSeen[key, default: []].append((id, origin(path))) }
            if list == .learners, case .array(let holds) = object[Format.Learner.holds.name] {
                for (j, h) in holds.enumerated() {
                    if case .object(let ho) = h, case .string(let hid) = ho[Format.Holding.id.name], !hid.isEmpty {
                        raw.idsSeen["holdings", default: []].append((hid, origin("\(path).holds[\(j)]")))
                    }
                }
            }
            each(&self, object, path)
        }
    }

    // MARK: Entities

    private mutating func readOrganization(_ o: JSONObject, _ p: String) {
        typealias K = Format.Organization
        checkKeys(o, p, list: "organizations", Format.Organization.self)
        let id = requiredID(o, p, K.id), name = requiredString(o, p, K.name)
        let kind: OrganizationKind? = requiredEnum(o, p, K.kind)
        let url = optionalString(o, p, K.url)
        var keys: [JSONValue] = []
        if let v = o[K.keys.name] {
            if case .array(let items) = v {
                for (i, key) in items.enumerated() {
                    switch key {
                    case .object(let jwk):
                        if case .string = jwk["kty"] {} else { fail("\(p).keys[\(i)]", .jwkWithoutKty) }
                    case .string(let multikey):
                        if Multibase.ed25519PublicKey(multikey) == nil { fail("\(p).keys[\(i)]", .notAMultikey(multikey)) }
                    default:
                        fail("\(p).keys[\(i)]", .expectedJWK(found: key.typeName))
                        continue
                    }
                    keys.append(key)
                }
            } else {
                fail("\(p).keys", .expectedJWKs(found: v.typeName))
            }
        }
        let revoked = stringArray(o, p, K.revoked)
        guard let id, let name, let kind else { return }
        raw.organizations.append(RawOrganization(origin: origin(p), id: id, name: name, kind: kind, url: url, keys: keys, revoked: revoked))
    }

    private mutating func readSkill(_ o: JSONObject, _ p: String) {
        typealias K = Format.Skill
        checkKeys(o, p, list: "skills", Format.Skill.self)
        let id = requiredID(o, p, K.id), name = requiredString(o, p, K.name)
        let aliases = stringArray(o, p, K.aliases)
        let category = optionalString(o, p, K.category), broader = optionalString(o, p, K.broader)
        guard let id, let name else { return }
        raw.skills.append(RawSkill(origin: origin(p), id: id, name: name, aliases: aliases, category: category, broader: broader))
    }

    private mutating func readCredential(_ o: JSONObject, _ p: String) {
        typealias K = Format.Credential
        checkKeys(o, p, list: "credentials", Format.Credential.self)
        let id = requiredID(o, p, K.id), name = requiredString(o, p, K.name)
        let kind: CredentialKind? = requiredEnum(o, p, K.kind)
        let provider = requiredString(o, p, K.provider)
        let platform = optionalString(o, p, K.platform)
        let teaches = levels(o, p, K.teaches)
        let weeks = nonNegative(o, p, K.weeks) ?? 0, hours = nonNegative(o, p, K.hours)
        let cost = nonNegative(o, p, K.cost) ?? 0, credits = nonNegative(o, p, K.credits) ?? 0
        var currency = optionalString(o, p, K.currency)
        if let c = currency, !Format.isCurrency(c.utf8) {
            fail("\(p).currency", .notCurrency(c))
            currency = nil
        }
        let requires = stringArray(o, p, K.requires)
        let stack = o[K.stack.name].flatMap { readRule($0, "\(p).\(K.stack.name)") }
        let accredited = stringArray(o, p, K.accreditedBy), recognized = stringArray(o, p, K.recognizedBy)
        var validMonths: Int?
        if let v = o[K.validMonths.name] {
            if case .number(let n) = v, let months = Format.validMonths(n) { validMonths = months } else {
                fail("\(p).valid_months", .badValidMonths(found: v.serialized()))
            }
        }
        let url = optionalString(o, p, K.url)
        guard let id, let name, let kind, let provider else { return }
        raw.credentials.append(RawCredential(
            origin: origin(p), id: id, name: name, kind: kind, provider: provider, platform: platform,
            teaches: teaches, weeks: weeks, hours: hours, cost: cost, currency: currency, credits: credits,
            requires: requires, stack: stack, accreditedBy: accredited, recognizedBy: recognized,
            validMonths: validMonths, url: url))
    }

    private mutating func readRule(_ v: JSONValue, _ p: String) -> RawRule? {
        switch v {
        case .string(let id):
            if id.isEmpty { fail(p, .emptyCredentialID); return nil }
            return .credential(id, path: p)
        case .object(let o):
            // The keys that say a rule's shape (every key but "of"), as written.
            let shapes = Format.Rule.allCases.filter { $0 != .of && o[$0.name] != nil }.map(\.name)
            func items(_ key: String) -> [RawRule]? {
                guard let list = o[key] else { fail(p, .ruleNeedsOf(shape: shapes.first ?? key)); return nil }
                guard case .array(let elements) = list, !elements.isEmpty else {
                    fail("\(p).\(key)", .expectedRules(found: list.typeName == "an array" ? "an empty array" : list.typeName))
                    return nil
                }
                let rules = elements.enumerated().map { readRule($1, "\(p).\(key)[\($0)]") }
                var listed = Set<String>()
                for (i, rule) in rules.enumerated() {
                    if case .credential(let id, _)? = rule, !listed.insert(id).inserted {
                        fail("\(p).\(key)[\(i)]", .listedTwiceInRule(id))
                        return nil
                    }
                }
                return rules.contains { $0 == nil } ? nil : rules.map { $0! }
            }
            guard shapes.count == 1 else {
                fail(p, .ruleShapes(shapes))
                return nil
            }
            let allowed = Set(Format.Rule.shapes.first { $0.contains(Format.Rule(rawValue: shapes[0])!) }!.map(\.name))
            for member in o.members where !allowed.contains(member.key) {
                fail("\(p).\(member.key)", .unexpectedRuleKey(member.key))
            }
            typealias R = Format.Rule
            switch R(rawValue: shapes[0])! {
            case .all: return items(R.all.name).map(RawRule.all)
            case .any: return items(R.any.name).map(RawRule.any)
            case .n:
                guard case .number(let number) = o[R.n.name]!, let n = Format.itemCount(number) else {
                    fail("\(p).n", .badItemCount(found: o[R.n.name]!.serialized()))
                    return nil
                }
                guard let rules = items(R.of.name) else { return nil }
                if Int(n) > rules.count {
                    fail("\(p).n", .countAboveItems(Int(n), items: rules.count))
                    return nil
                }
                return .atLeast(Int(n), rules)
            default:
                guard case .number(let c) = o[R.credits.name]!, c >= 0 else {
                    fail("\(p).credits", .badCredits(found: o[R.credits.name]!.serialized()))
                    return nil
                }
                guard let rules = items(R.of.name) else { return nil }
                var ids: [(String, path: String)] = []
                for (i, rule) in rules.enumerated() {
                    guard case .credential(let id, let path) = rule else {
                        fail("\(p).of[\(i)]", .nestedInCredits)
                        return nil
                    }
                    ids.append((id, path))
                }
                return .credits(c, ids)
            }
        default:
            fail(p, .badRule(found: v.typeName))
            return nil
        }
    }

    private mutating func readRole(_ o: JSONObject, _ p: String) {
        typealias K = Format.Role
        checkKeys(o, p, list: "roles", Format.Role.self)
        let id = requiredID(o, p, K.id), name = requiredString(o, p, K.name)
        let aliases = stringArray(o, p, K.aliases)
        if o[K.needs.name] == nil { fail(p, .missingKey(K.needs.name)) }
        let needs = levels(o, p, K.needs)
        let onet = optionalString(o, p, K.onet)
        let related = stringArray(o, p, K.related), uses = stringArray(o, p, K.uses)
        guard let id, let name else { return }
        raw.roles.append(RawRole(origin: origin(p), id: id, name: name, aliases: aliases, needs: needs, onet: onet, related: related, uses: uses))
    }

    private mutating func readLearner(_ o: JSONObject, _ p: String) {
        typealias K = Format.Learner
        checkKeys(o, p, list: "learners", Format.Learner.self)
        let id = requiredID(o, p, K.id), name = requiredString(o, p, K.name)
        let role = optionalString(o, p, K.role), goal = optionalString(o, p, K.goal)
        var holds: [RawHolding] = []
        if let v = o[K.holds.name] {
            if case .array(let items) = v {
                for (i, item) in items.enumerated() {
                    let hp = "\(p).holds[\(i)]"
                    guard case .object(let h) = item else { fail(hp, .expectedHolding(found: item.typeName)); continue }
                    typealias H = Format.Holding
                    checkKeys(h, hp, list: "holds", H.self)
                    let hid = requiredID(h, hp, H.id), credential = requiredString(h, hp, H.credential)
                    let issued = date(h, hp, H.issued, required: true), expires = date(h, hp, H.expires, required: false)
                    let proof = holdingProof(h, hp)
                    if let issued, let expires, expires < issued {
                        fail("\(hp).expires", .expiresBeforeIssued(expires: expires.description, issued: issued.description))
                    }
                    guard let hid, let credential, let issued else { continue }
                    holds.append(RawHolding(path: hp, id: hid, credential: credential, issued: issued, expires: expires, proof: proof))
                }
            } else {
                fail("\(p).holds", .expectedHoldings(found: v.typeName))
            }
        }
        guard let id, let name else { return }
        raw.learners.append(RawLearner(origin: origin(p), id: id, name: name, role: role, goal: goal, holds: holds))
    }

    // MARK: Fields

    private func origin(_ path: String) -> Origin { Origin(file: file, path: path) }

    private mutating func fail(_ path: String, _ problem: GraphProblem) {
        diagnostics.append(GraphDiagnostic(severity: .error, file: file, path: path, message: problem.words))
    }

    private mutating func warnUnknown(_ key: String, list: String, path: String) {
        guard reportedUnknown.insert("\(list).\(key)").inserted else { return }
        diagnostics.append(GraphDiagnostic(
            severity: .warning, file: file, path: path,
            message: GraphProblem.unknownKey(key, list: list).words))
    }

    private mutating func checkKeys<K: FormatKey>(_ o: JSONObject, _ p: String, list: String, _ known: K.Type) {
        for member in o.members where K.named(member.key) == nil {
            warnUnknown(member.key, list: list, path: "\(p).\(member.key)")
        }
    }

    private mutating func requiredID<K: FormatKey>(_ o: JSONObject, _ p: String, _ key: K) -> String? {
        guard let id = requiredString(o, p, key) else { return nil }
        if id.isEmpty { fail("\(p).id", .emptyID); return nil }
        return id
    }

    private mutating func requiredString(_ o: JSONObject, _ p: String, _ key: some FormatKey) -> String? {
        guard let v = o[key.name] else { fail(p, .missingKey(key.name)); return nil }
        guard case .string(let s) = v else { fail("\(p).\(key.name)", .expectedString(found: v.typeName)); return nil }
        return s
    }

    private mutating func optionalString(_ o: JSONObject, _ p: String, _ key: some FormatKey) -> String? {
        guard let v = o[key.name] else { return nil }
        guard case .string(let s) = v else { fail("\(p).\(key.name)", .expectedString(found: v.typeName)); return nil }
        return s
    }

    /// A holding's proof: a compact JWS, or a signed credential object, kept as its JSON text.
    private mutating func holdingProof(_ h: JSONObject, _ p: String) -> String? {
        switch h[Format.Holding.proof.name] {
        case nil: return nil
        case .string(let s)?: return s
        case .object(let credential)?:
            guard credential["proof"] != nil else {
                fail("\(p).\(Format.Holding.proof.name)", .expectedProof(found: "an object without a proof"))
                return nil
            }
            return JSONValue.object(credential).serialized()
        case let other?:
            fail("\(p).\(Format.Holding.proof.name)", .expectedProof(found: other.typeName))
            return nil
        }
    }

    private mutating func requiredEnum<E: RawRepresentable & CaseIterable>(_ o: JSONObject, _ p: String, _ key: some FormatKey) -> E?
    where E.RawValue == String {
        guard let s = requiredString(o, p, key) else { return nil }
        guard let e = E(rawValue: s) else {
            fail("\(p).\(key.name)", .notOneOf(s, allowed: E.allCases.map { $0.rawValue }))
            return nil
        }
        return e
    }

    private mutating func stringArray(_ o: JSONObject, _ p: String, _ key: some FormatKey) -> [String] {
        guard let v = o[key.name] else { return [] }
        guard case .array(let items) = v else { fail("\(p).\(key.name)", .expectedStrings(found: v.typeName)); return [] }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item, !s.isEmpty else {
                fail("\(p).\(key.name)[\(i)]", .expectedNonEmptyString(found: item.typeName == "a string" ? "an empty string" : item.typeName))
                continue
            }
            out.append(s)
        }
        return out
    }

    private mutating func nonNegative(_ o: JSONObject, _ p: String, _ key: some FormatKey) -> Double? {
        guard let v = o[key.name] else { return nil }
        guard case .number(let n) = v else { fail("\(p).\(key.name)", .expectedNumber(found: v.typeName)); return nil }
        guard n >= 0 else { fail("\(p).\(key.name)", .negative(found: JSONValue.format(number: n))); return nil }
        return n
    }

    private mutating func levels(_ o: JSONObject, _ p: String, _ key: some FormatKey) -> [(skill: String, level: Int)] {
        guard let v = o[key.name] else { return [] }
        guard case .object(let map) = v else {
            fail("\(p).\(key.name)", .expectedLevels(found: v.typeName))
            return []
        }
        var out: [(skill: String, level: Int)] = []
        for member in map.members {
            guard case .number(let n) = member.value, n == n.rounded(), (1...4).contains(n) else {
                fail("\(p).\(key.name).\(member.key)", .badLevel(found: member.value.serialized()))
                continue
            }
            out.append((member.key, Int(n)))
        }
        return out
    }

    private mutating func date(_ o: JSONObject, _ p: String, _ key: some FormatKey, required: Bool) -> Day? {
        let text = required ? requiredString(o, p, key) : optionalString(o, p, key)
        guard let text else { return nil }
        guard let day = Day(text) else { fail("\(p).\(key.name)", .notDate(text)); return nil }
        return day
    }
}
