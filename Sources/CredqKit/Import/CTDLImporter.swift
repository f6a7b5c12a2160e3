import Foundation

/// Converts CTDL records (Credential Engine's JSON-LD: single records or `@graph` envelopes)
/// into a graph in format v1.
///
/// - credential classes (`ceterms:Badge`, `Certificate`, `Certification`, `License`, the
///   degrees, `Course`, `LearningProgram`, ...) become credentials of the matching kind; pathway
///   components that carry conditions become composite credentials;
/// - `ceterms:ownedBy` (else `offeredBy`) is the provider; organizations become organizations
///   (`QACredentialOrganization` an accreditor), and a referenced organization the records do not
///   describe becomes a placeholder, reported;
/// - `requires` condition profiles become prerequisites (their target credentials, learning
///   opportunities and assessments that the records describe);
/// - `hasPart` becomes an all-of stack rule, and a pathway `ComponentCondition` an `n of` rule
///   (`ceterms:requiredNumber` of its target components; all of them when it gives none, as
///   CTDL says); a component's `ceterms:credentialType` gives its kind;
/// - a record with no owner still imports whole, with the provider "Unknown provider"; a
///   record listed twice imports once; a file that is not JSON is refused with its place;
/// - `estimatedCost` prices add up to the cost; `estimatedDuration` (ISO 8601) gives the weeks;
/// - language maps (`{"en-US": ...}`) give their English (else first) text.
/// Everything else a record holds that credq cannot use is reported by type.
public enum CTDLImporter {
    public struct Result: Sendable {
        public var json: String
        public var report: [String]
        /// Inputs refused, each a located error (`file:line:column: message`): the others
        /// still import, but the import as a whole failed.
        public var refused: [String] = []
        public var credentials: Int
        public var organizations: Int
    }

    static let kinds: [String: CredentialKind] = [
        "Badge": .badge, "DigitalBadge": .badge, "OpenBadge": .badge, "Certificate": .certificate,
        "CertificateOfCompletion": .certificate, "ProficiencyCertificate": .certificate, "ApprenticeshipCertificate": .certificate,
        "Certification": .certification, "License": .certification, "MicroCredential": .microcredential,
        "Degree": .degree, "AssociateDegree": .degree, "BachelorDegree": .degree, "BachelorOfScienceDegree": .degree,
        "MasterDegree": .degree, "DoctoralDegree": .degree, "ProfessionalDoctorate": .degree, "ResearchDoctorate": .degree,
        "Diploma": .degree, "Course": .course, "LearningProgram": .course, "LearningOpportunityProfile": .course,
        "AssessmentProfile": .course, "BasicComponent": .certificate, "CredentialComponent": .certificate,
        "CourseComponent": .course,
    ]
    static let organizationTypes: Set<String> = ["CredentialOrganization", "QACredentialOrganization", "Organization"]

    public static func convert(_ files: [(name: String, bytes: [UInt8])]) -> Result {
        var report: [String] = []
        var records: [(file: String, object: JSONObject)] = []
        /// Records from a value: a record, an `@graph` envelope, a registry envelope's
        /// `decoded_resource`, or a list of any of these.
        func collect(_ value: JSONValue, _ file: String) {
            switch value {
            case .array(let items): for item in items { collect(item, file) }
            case .object(let o):
                if let graph = o["@graph"] { collect(graph, file) }
                else if let decoded = o["decoded_resource"] { collect(decoded, file) }
                else { records.append((file, o)) }
            default: break
            }
        }
        var refused: [String] = []
        for file in files {
            do {
                collect(compacted(try JSONParser.parse(file.bytes)), file.name)
            } catch {
                let (line, column) = error.location(in: file.bytes)
                refused.append("\(file.name):\(line):\(column): error: not valid JSON: \(error.message)")
            }
        }
        func str(_ v: JSONValue?) -> String? {
            switch v {
            case .string(let s)?: return s
            case .object(let o)?:  // a language map, or {"@id": ...}
                if case .string(let id)? = o["@id"] { return id }
                for key in ["en-US", "en", "en-GB"] { if case .string(let s)? = o[key] { return s } }
                for member in o.members { if case .string(let s) = member.value { return s } }
                return nil
            case .array(let items)?: return items.lazy.compactMap { str($0) }.first
            default: return nil
            }
        }
        func refs(_ v: JSONValue?) -> [String] {
            switch v {
            case .string(let s)?: return [s]
            case .object(let o)?: return str(.object(o)).map { [$0] } ?? []
            case .array(let items)?: return items.flatMap { refs($0) }
            default: return []
            }
        }
        /// A CTDL term's local name: `ceterms:Badge` and `https://purl.org/ctdl/terms/Badge` are `Badge`.
        func localName(_ term: String) -> String {
            if term.hasPrefix("ceterms:") { return String(term.dropFirst("ceterms:".count)) }
            if let slash = term.lastIndex(where: { $0 == "/" || $0 == "#" }), term.hasPrefix("http") { return String(term[term.index(after: slash)...]) }
            return term
        }
        func type(_ o: JSONObject) -> String { localName(str(o["@type"]) ?? "") }
        /// A record's name, without the spaces around it.
        func name(_ o: JSONObject) -> String? {
            str(o["ceterms:name"]).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        // Our id for each record: its CTID, else its @id; every @id maps to it.
        var idOf: [String: String] = [:]
        for (_, o) in records {
            guard let uri = str(o["@id"]) else { continue }
            idOf[uri] = str(o["ceterms:ctid"]) ?? str(o["ctid"]) ?? uri
        }
        func s(_ v: String) -> JSONValue { .string(v) }

        var organizations: [(key: String, value: JSONValue)] = []
        var orgIDs = Set<String>()
        var credentials: [JSONValue] = []
        var placeholders: [String] = []
        func organization(_ uri: String) -> String {
            if let id = idOf[uri], orgIDs.contains(id) { return id }
            let id = idOf[uri] ?? uri
            if !orgIDs.contains(id), !placeholders.contains(id) {
                placeholders.append(id)
                if uri != "unknown-provider" { report.append("organization \(uri) is referenced but not described: a placeholder was made") }
            }
            return id
        }
        // Organizations first, so providers resolve.
        for (_, o) in records where organizationTypes.contains(type(o)) {
            guard let uri = str(o["@id"]), let id = idOf[uri] else { continue }
            let agentTypes = texts(o["ceterms:agentType"]).joined(separator: " ").lowercased()
            let kind = type(o) == "QACredentialOrganization" ? "accreditor"
                : agentTypes.contains("postsecondary") || agentTypes.contains("university") || agentTypes.contains("college") ? "university"
                : agentTypes.contains("business") || agentTypes.contains("employer") ? "employer" : "industry"
            var members: [(key: String, value: JSONValue)] = [("id", s(id)), ("name", s(name(o) ?? id)), ("kind", s(kind))]
            if let url = str(o["ceterms:subjectWebpage"]) ?? str(o["ceterms:subjectWebPage"]) { members.append(("url", s(url))) }
            organizations.append((id, .object(JSONObject(members: members))))
            orgIDs.insert(id)
        }
        var credentialIDs = Set<String>()
        for (_, o) in records { if let uri = str(o["@id"]), kinds[type(o)] != nil { credentialIDs.insert(idOf[uri]!) } }
        // A pathway's owner stands for its components that name none.
        var pathwayOwner: [String: String] = [:]
        for (file, o) in records where type(o) == "Pathway" {
            if let owner = refs(o["ceterms:ownedBy"]).first { pathwayOwner[file] = owner }
        }
        // `precedes`: the credential it points at requires this one.
        var precededBy: [String: [String]] = [:]
        for (_, o) in records {
            guard let uri = str(o["@id"]), let id = idOf[uri], credentialIDs.contains(id) else { continue }
            for later in refs(o["ceterms:precedes"]) {
                if let lid = idOf[later], credentialIDs.contains(lid), lid != id { precededBy[lid, default: []].append(id) }
            }
        }
        var ordered = 0, orderedChoices = 0, preparation = 0
        var skipped: [String: Int] = [:]
        var imported = Set<String>()
        var repeated = 0, ownerless = 0
        for (file, o) in records {
            let t = type(o)
            if organizationTypes.contains(t) { continue }
            guard var kind = kinds[t], let uri = str(o["@id"]), let id = idOf[uri] else {
                skipped[t.isEmpty ? "(no @type)" : t, default: 0] += 1
                continue
            }
            // The same record listed twice (or in two files) is one credential.
            guard imported.insert(id).inserted else {
                repeated += 1
                continue
            }
            // A component says what kind of credential it stands for.
            if let named = str(o["ceterms:credentialType"]).map(localName), let k = kinds[named] { kind = k }
            var members: [(key: String, value: JSONValue)] = [("id", s(id)), ("name", s(name(o) ?? id)), ("kind", s(kind.rawValue))]
            let owner = refs(o["ceterms:ownedBy"]).first ?? refs(o["ceterms:offeredBy"]).first ?? pathwayOwner[file]
            if let owner {
                members.append(("provider", s(organization(owner))))
            } else {
                // No owner named: a placeholder provider, and everything else still imported.
                ownerless += 1
                members.append(("provider", s(organization("unknown-provider"))))
            }
            if let offerer = refs(o["ceterms:offeredBy"]).first, offerer != owner { members.append(("platform", s(organization(offerer)))) }
            if let weeks = duration(o["ceterms:estimatedDuration"]) { members.append(("weeks", .number(weeks))) }
            if case .array(let costs)? = o["ceterms:estimatedCost"] {
                var total = 0.0
                var currency: String?
                for case .object(let c) in costs {
                    if let p = number(c["ceterms:price"]) { total += p }
                    currency = currency ?? str(c["ceterms:currency"])
                }
                members.append(("cost", .number(total)))
                if let currency, currency.count == 3 { members.append(("currency", s(currency.uppercased()))) }
            }
            // Prerequisites: the described targets of its requires condition profiles.
            var requires: [String] = []
            if case .array(let profiles)? = o["ceterms:requires"] {
                for case .object(let p) in profiles {
                    for key in ["ceterms:targetCredential", "ceterms:targetLearningOpportunity", "ceterms:targetAssessment"] {
                        for target in refs(p[key]) {
                            if let tid = idOf[target], credentialIDs.contains(tid) {
                                if tid != id, !requires.contains(tid) { requires.append(tid) }
                            } else {
                                report.append("\(file): \(id) requires \(target), which the records do not describe: left out")
                            }
                        }
                    }
                }
            }
            for earlier in precededBy[id] ?? [] where !requires.contains(earlier) { requires.append(earlier) }
            // Preparation is advice, not a requirement: counted, not made a prerequisite.
            preparation += refs(o["ceterms:isPreparationFor"]).count + refs(o["ceterms:preparationFrom"]).count
            // Stack rules: hasPart (all of) and component conditions (n of).
            var rules: [JSONValue] = []
            let parts = refs(o["ceterms:hasPart"]).compactMap { p -> String? in
                if let pid = idOf[p], credentialIDs.contains(pid) { return pid }
                report.append("\(file): \(id) has part \(p), which the records do not describe: left out")
                return nil
            }
            if !parts.isEmpty { rules.append(.object(JSONObject(members: [("all", .array(parts.map(s)))]))) }
            if case .array(let conditions)? = o["ceterms:hasCondition"] {
                for case .object(let c) in conditions {
                    let targets = refs(c["ceterms:targetComponent"]).compactMap { idOf[$0] }.filter { credentialIDs.contains($0) && $0 != id }
                    guard !targets.isEmpty else { continue }
                    // CTDL's default is every target component.
                    var n = targets.count
                    if let k = number(c["ceterms:requiredNumber"]) { n = max(1, min(targets.count, Int(k))) }
                    // On a credential that is not a component of its own (a certification in
                    // CompTIA's chain), a condition is the pathway's order: what comes before it
                    // is its prerequisite, not its part. A choice among several cannot be a
                    // prerequisite, and stays a rule (reported).
                    if !t.hasSuffix("Component"), !t.hasSuffix("Pathway") {
                        if n == targets.count {
                            ordered += 1
                            for target in targets where !requires.contains(target) { requires.append(target) }
                            continue
                        }
                        orderedChoices += 1
                    }
                    rules.append(.object(JSONObject(members: [("n", .number(Double(n))), ("of", .array(targets.map(s)))])))
                }
            }
            if !requires.isEmpty { members.append(("requires", .array(requires.map(s)))) }
            if rules.count == 1 { members.append(("stack", rules[0])) }
            if rules.count > 1 { members.append(("stack", .object(JSONObject(members: [("all", .array(rules))])))) }
            if let url = str(o["ceterms:subjectWebpage"]) { members.append(("url", s(url))) }
            credentials.append(.object(JSONObject(members: members)))
        }
        if ordered > 0 { report.append("\(ordered) pathway condition\(ordered == 1 ? "" : "s") on credentials (the order they come in) imported as prerequisites") }
        if orderedChoices > 0 { report.append("\(orderedChoices) pathway condition\(orderedChoices == 1 ? "" : "s") on credentials that offer a choice kept as stack rules (a prerequisite cannot be a choice)") }
        if preparation > 0 { report.append("\(preparation) preparation link\(preparation == 1 ? "" : "s") (isPreparationFor, preparationFrom) left out: advice, not a prerequisite") }
        if repeated > 0 { report.append("\(repeated) record\(repeated == 1 ? "" : "s") repeated (the same id listed again): imported once") }
        if ownerless > 0 { report.append("\(ownerless) credential\(ownerless == 1 ? "" : "s") with no ownedBy or offeredBy: provider \"Unknown provider\"") }
        for (t, n) in skipped.sorted(by: { $0.key < $1.key }) { report.append("\(n) record\(n == 1 ? "" : "s") of type \(t) left out: credq has no place for them") }
        for id in placeholders where !orgIDs.contains(id) {
            let last = id.split(separator: "/").last.map(String.init) ?? id
            let name = id == "unknown-provider" ? "Unknown provider" : "Organization \(last) (not described)"
            organizations.append((id, .object(JSONObject(members: [("id", s(id)), ("name", s(name)), ("kind", s("industry"))]))))
        }
        let root = JSONValue.object(JSONObject(members: [
            ("credq", .number(1)), ("organizations", .array(organizations.map(\.value))), ("credentials", .array(credentials)),
        ]))
        return Result(json: root.serialized(indent: 1) + "\n", report: report, refused: refused, credentials: credentials.count, organizations: organizations.count)
    }

    /// Expanded JSON-LD (what RDF tools and SPARQL endpoints write) in the compact shape the
    /// rest reads: a CTDL term's full IRI as its `ceterms:` name, a value object
    /// `{"@value": v}` as v. (Arrays stay: every reader takes a value or a list of them.)
    static func compacted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items):
            return .array(items.map(compacted))
        case .object(let o):
            if o.members.count <= 3, let v = o["@value"] { return compacted(v) }
            return .object(JSONObject(members: o.members.map { member in
                var key = member.key
                for base in ["https://purl.org/ctdl/terms/", "http://purl.org/ctdl/terms/"] where key.hasPrefix(base) {
                    key = "ceterms:" + key.dropFirst(base.count)
                }
                return (key, compacted(member.value))
            }))
        default:
            return value
        }
    }

    /// A number, written as one, as text, or as the first of a list.
    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .number(let n)?: return n
        case .string(let s)?: return Double(s)
        case .array(let items)?: return items.lazy.compactMap { number($0) }.first
        default: return nil
        }
    }

    /// Every string inside a value, however nested (an agent type is a node with a name map).
    static func texts(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let s)?: [s]
        case .array(let items)?: items.flatMap { texts($0) }
        case .object(let o)?: o.members.flatMap { texts($0.value) }
        default: []
        }
    }

    /// Weeks from an estimated duration: its exact duration, else the mean of minimum and maximum.
    static func duration(_ value: JSONValue?) -> Double? {
        guard case .array(let items)? = value else { return nil }
        for case .object(let d) in items {
            if case .string(let exact)? = d["ceterms:exactDuration"], let w = weeks(exact) { return w }
            if case .string(let lo)? = d["ceterms:minimumDuration"], case .string(let hi)? = d["ceterms:maximumDuration"],
               let a = weeks(lo), let b = weeks(hi) { return ((a + b) / 2 * 10).rounded() / 10 }
        }
        return nil
    }

    /// ISO 8601 durations such as P9M, P1Y6M, P12W, P30D, PT40H, in weeks (a month is 52/12 weeks).
    static func weeks(_ iso: String) -> Double? {
        guard iso.hasPrefix("P") else { return nil }
        var total = 0.0, number = "", inTime = false
        for c in iso.dropFirst() {
            if c == "T" { inTime = true; continue }
            if c.isNumber || c == "." { number.append(c); continue }
            guard let n = Double(number) else { return nil }
            number = ""
            switch (c, inTime) {
            case ("Y", false): total += n * 52
            case ("M", false): total += n * 52 / 12
            case ("W", false): total += n
            case ("D", false): total += n / 7
            case ("H", true): total += n / 40  // a working week of 40 hours
            case ("M", true), ("S", true): break
            default: return nil
            }
        }
        return number.isEmpty ? (total * 10).rounded() / 10 : nil
    }
}
