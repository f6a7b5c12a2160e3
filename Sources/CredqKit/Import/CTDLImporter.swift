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
        "AssessmentProfile": .course, "BasicComponent": .certificate, "CredentialComponent": .certificate, "SelectionComponent": .certificate,
        "CourseComponent": .course,
    ]
    static let organizationTypes: Set<String> = ["CredentialOrganization", "QACredentialOrganization", "Organization"]
    /// Records read through the records that refer to them, never imported on their own.
    static let readThrough: Set<String> = ["ComponentCondition", "Constraint", "ValueProfile", "QuantitativeValue", "ConditionProfile", "CostProfile", "DurationProfile"]

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
        var sequences: [(file: String, documents: Int)] = []
        for file in files {
            do {
                // Registries' exports may hold several documents one after another.
                let documents = try JSONParser.parseSequence(file.bytes)
                if documents.count > 1 { sequences.append((file.name, documents.count)) }
                for document in documents { collect(compacted(document), file.name) }
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
        /// A term's local name: `ceterms:Badge` and `https://purl.org/ctdl/terms/Badge` are `Badge`, `compare:GTEQ` is `GTEQ`.
        func localName(_ term: String) -> String {
            if let slash = term.lastIndex(where: { $0 == "/" || $0 == "#" }), term.hasPrefix("http") { return String(term[term.index(after: slash)...]) }
            if let colon = term.lastIndex(of: ":") { return String(term[term.index(after: colon)...]) }  // ceterms:Badge, compare:GTEQ
            return term
        }
        func type(_ o: JSONObject) -> String { localName(str(o["@type"]) ?? "") }
        /// A record's name, without the spaces around it.
        func name(_ o: JSONObject) -> String? {
            str(o["ceterms:name"]).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        for (file, n) in sequences { report.append("\(file): \(n) JSON documents one after another: read as one") }
        // Our id for each record: its CTID, else its @id; every @id maps to it.
        var idOf: [String: String] = [:]
        var byURI: [String: JSONObject] = [:]
        for (_, o) in records {
            guard let uri = str(o["@id"]) else { continue }
            idOf[uri] = str(o["ceterms:ctid"]) ?? str(o["ctid"]) ?? uri
            if byURI[uri] == nil { byURI[uri] = o }
        }
        /// The nodes a property holds: objects written in place, or references to records.
        func nodes(_ v: JSONValue?) -> [JSONObject] {
            switch v {
            case .array(let items)?: return items.flatMap { nodes($0) }
            case .object(let o)?:
                if o.members.count == 1, let uri = str(o["@id"]) { return byURI[uri].map { [$0] } ?? [] }
                return [o]
            case .string(let uri)?: return byURI[uri].map { [$0] } ?? []
            default: return []
            }
        }
        // A pathway component that stands for a described resource (`proxyFor` a course or a
        // credential) is that resource: one credential, with the component's conditions.
        var proxiedBy: [String: JSONObject] = [:]
        var proxies = Set<String>()
        for (_, o) in records where type(o).hasSuffix("Component") {
            guard let uri = str(o["@id"]),
                  let target = (refs(o["ceterms:proxyFor"]) + refs(o["ceterms:sourceItem"])).first(where: { byURI[$0].map { kinds[type($0)] != nil && !type($0).hasSuffix("Component") } ?? false })
            else { continue }
            idOf[uri] = idOf[target]
            proxies.insert(uri)
            if proxiedBy[target] == nil { proxiedBy[target] = o }
        }
        // A BasicComponent in a pathway's order (precedes, precededBy) that no condition
        // targets and no pathway ends at is structure (a stage, a semester), not
        // something one earns: not a credential; its conditions apply to what it leads to.
        var targeted = Set<String>()
        func collectTargets(_ conditions: [JSONObject], depth: Int) {
            guard depth < 64 else { return }
            for c in conditions {
                for t in refs(c["ceterms:targetComponent"]) { targeted.insert(t) }
                collectTargets(nodes(c["ceterms:hasCondition"]), depth: depth + 1)
            }
        }
        for (_, o) in records {
            collectTargets(nodes(o["ceterms:hasCondition"]), depth: 0)
            for d in refs(o["ceterms:hasDestinationComponent"]) { targeted.insert(d) }
        }
        var structure = Set<String>()
        for (_, o) in records where type(o) == "BasicComponent" {
            guard let uri = str(o["@id"]), !targeted.contains(uri), refs(o["ceterms:isDestinationComponentFor"]).isEmpty else { continue }
            if !(refs(o["ceterms:precedes"]) + refs(o["ceterms:precededBy"])).isEmpty { structure.insert(uri) }
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
            var record = JSONObject([(Format.Organization.id, s(id)), (.name, s(name(o) ?? id)), (.kind, s(kind))])
            record.set(Format.Organization.url, (str(o["ceterms:subjectWebpage"]) ?? str(o["ceterms:subjectWebPage"])).map(s))
            organizations.append((id, .object(record)))
            orgIDs.insert(id)
        }
        var credentialIDs = Set<String>()
        for (_, o) in records {
            if let uri = str(o["@id"]), kinds[type(o)] != nil, !structure.contains(uri) { credentialIDs.insert(idOf[uri]!) }
        }
        // Each pathway's destination, for conditions that name the pathway.
        var destinationOf: [String: String] = [:]
        for (_, o) in records where type(o) == "Pathway" {
            if let uri = str(o["@id"]), let d = refs(o["ceterms:hasDestinationComponent"]).first.flatMap({ idOf[$0] }) { destinationOf[uri] = d }
        }
        // A pathway's owner stands for its components that name none.
        var pathwayOwner: [String: String] = [:]
        for (file, o) in records where type(o) == "Pathway" {
            if let owner = refs(o["ceterms:ownedBy"]).first { pathwayOwner[file] = owner }
        }
        // `precedes`: the credential it points at requires this one.
        var precededBy: [String: [String]] = [:]
        for (_, o) in records {
            guard let uri = str(o["@id"]), let id = idOf[uri], credentialIDs.contains(id), !structure.contains(uri) else { continue }
            for later in refs(o["ceterms:precedes"]) where !structure.contains(later) {
                if let lid = idOf[later], credentialIDs.contains(lid), lid != id { precededBy[lid, default: []].append(id) }
            }
            for earlier in refs(o["ceterms:precededBy"]) where !structure.contains(earlier) {
                if let eid = idOf[earlier], credentialIDs.contains(eid), eid != id, !(precededBy[id] ?? []).contains(eid) {
                    precededBy[id, default: []].append(eid)
                }
            }
        }
        // What conditions say that credq cannot plan (grades, resits, upper bounds): counted by
        // what they constrain.
        var constraintsLeftOut: [String: Int] = [:]
        var undescribedTargets: [String] = []
        /// A condition as a stack rule: `requiredNumber` of its target components and its
        /// sub-conditions (all of them when it gives none, as CTDL says), and a credit total
        /// (a Sum constraint on credit value) over its targets, else over `children`.
        func rule(_ c: JSONObject, owner: String, children: [String], depth: Int) -> JSONValue? {
            guard depth < 64 else { return nil }
            var targets: [String] = []
            for t in refs(c["ceterms:targetComponent"]) {
                guard let tid = idOf[t], credentialIDs.contains(tid), !structure.contains(t) else {
                    // Not described here: a placeholder keeps the rule as strict as it is written.
                    if !undescribedTargets.contains(t) { undescribedTargets.append(t) }
                    if !targets.contains(t) { targets.append(t) }
                    continue
                }
                if tid != owner, !targets.contains(tid) { targets.append(tid) }
            }
            var items: [JSONValue] = targets.map { .string($0) }
            items += nodes(c["ceterms:hasCondition"]).compactMap { rule($0, owner: owner, children: children, depth: depth + 1) }
            var parts: [JSONValue] = []
            for k in nodes(c["ceterms:hasConstraint"]) {
                let left = localName(str(k["ceterms:leftSource"]) ?? "")
                let action = localName(str(k["ceterms:leftAction"]) ?? "Sum").lowercased()
                let comparator = localName(str(k["ceterms:comparator"]) ?? "").lowercased()
                let pool = targets.isEmpty ? children : targets
                if ["creditvalue", "value", "credithourvalue", "creditunitvalue"].contains(left.lowercased()), action == "sum",
                   ["gteq", "eq"].contains(comparator), let total = number(k["ceterms:rightSource"]), total >= 0, !pool.isEmpty {
                    parts.append(.object(JSONObject([(Format.Rule.credits, .number(total)), (.of, .array(pool.map { .string($0) }))])))
                } else {
                    constraintsLeftOut[left.isEmpty ? "(no leftSource)" : left, default: 0] += 1
                }
            }
            if !items.isEmpty {
                var n = items.count
                if let k = number(c["ceterms:requiredNumber"]) { n = max(1, min(items.count, Int(k))) }
                parts.insert(.object(JSONObject([(Format.Rule.n, .number(Double(n))), (.of, .array(items))])), at: 0)
            }
            if parts.isEmpty { return nil }
            return parts.count == 1 ? parts[0] : .object(JSONObject([(Format.Rule.all, .array(parts))]))
        }
        var ordered = 0, orderedChoices = 0, preparation = 0
        var skipped: [String: Int] = [:]
        var imported = Set<String>()
        var repeated = 0, ownerless = 0
        // Stages: what comes before each (precedes, precededBy), and the credentials in each.
        var before: [String: [String]] = [:]
        for (_, o) in records {
            guard let uri = str(o["@id"]) else { continue }
            for later in refs(o["ceterms:precedes"]) { before[later, default: []].append(uri) }
            for earlier in refs(o["ceterms:precededBy"]) { before[uri, default: []].append(earlier) }
        }
        /// The stages that lead to `uris`, nearest first, through stages only.
        func stagesBefore(_ uris: [String]) -> [String] {
            var seen = Set<String>(), out: [String] = [], queue = uris
            while let u = queue.popLast() {
                for b in before[u] ?? [] where structure.contains(b) && seen.insert(b).inserted {
                    out.append(b)
                    queue.append(b)
                }
            }
            return out
        }
        func childCredentials(_ o: JSONObject, of id: String) -> [String] {
            (refs(o["ceterms:hasChild"]) + refs(o["ceasn:hasChild"])).compactMap { c -> String? in
                guard let cid = idOf[c], credentialIDs.contains(cid), cid != id, !structure.contains(c) else { return nil }
                return cid
            }
        }
        var stages = 0, pathways: [(name: String, destination: String?)] = [], replacedParts = 0, carried = 0, childRules = 0
        var credentialNames: [String: String] = [:]
        // References to records the files do not hold, by what they are.
        var undescribed: [String: [String]] = [:]
        for (file, o) in records {
            let t = type(o)
            if organizationTypes.contains(t) || readThrough.contains(t) { continue }
            if t == "Pathway" {
                let destination = refs(o["ceterms:hasDestinationComponent"]).first.flatMap { idOf[$0] }
                pathways.append((name(o) ?? str(o["@id"]) ?? "?", destination))
                continue
            }
            guard var kind = kinds[t], let uri = str(o["@id"]), let id = idOf[uri] else {
                skipped[t.isEmpty ? "(no @type)" : t, default: 0] += 1
                continue
            }
            if proxies.contains(uri) { continue }  // imported with the resource it stands for
            if structure.contains(uri) {
                stages += 1
                continue
            }
            // The pathway component standing for this resource, or the record itself when it is one.
            let component: JSONObject? = proxiedBy[uri] ?? (t.hasSuffix("Component") ? o : nil)
            // The same record listed twice (or in two files) is one credential.
            guard imported.insert(id).inserted else {
                repeated += 1
                continue
            }
            // A component says what kind of credential it stands for.
            if let named = str(o["ceterms:credentialType"] ?? component?["ceterms:credentialType"]).map(localName), let k = kinds[named] { kind = k }
            var record = JSONObject([(Format.Credential.id, s(id)), (.name, s(name(o) ?? component.flatMap(name) ?? id)), (.kind, s(kind.rawValue))])
            let owner = refs(o["ceterms:ownedBy"]).first ?? refs(o["ceterms:offeredBy"]).first
                ?? component.flatMap { refs($0["ceterms:ownedBy"]).first ?? refs($0["ceterms:offeredBy"]).first } ?? pathwayOwner[file]
            if let owner {
                record.set(Format.Credential.provider, s(organization(owner)))
            } else {
                // No owner named: a placeholder provider, and everything else still imported.
                ownerless += 1
                record.set(Format.Credential.provider, s(organization("unknown-provider")))
            }
            if let offerer = refs(o["ceterms:offeredBy"]).first, offerer != owner { record.set(Format.Credential.platform, s(organization(offerer))) }
            if let weeks = duration(o["ceterms:estimatedDuration"]) { record.set(Format.Credential.weeks, .number(weeks)) }
            if case .array(let costs)? = o["ceterms:estimatedCost"] {
                var total = 0.0
                var currency: String?
                for case .object(let c) in costs {
                    if let p = number(c["ceterms:price"]) { total += p }
                    currency = currency ?? str(c["ceterms:currency"])
                }
                record.set(Format.Credential.cost, .number(total))
                if let currency, currency.count == 3 { record.set(Format.Credential.currency, s(currency.uppercased())) }
            }
            if let credits = nodes(o["ceterms:creditValue"]).lazy.compactMap(creditValue).first
                ?? component.flatMap({ nodes($0["ceterms:creditValue"]).lazy.compactMap(creditValue).first }) {
                record.set(Format.Credential.credits, .number(credits))
            }
            // Prerequisites: the described targets of its requires condition profiles.
            var requires: [String] = []
            do {
                for p in nodes(o["ceterms:requires"]) {
                    // A pathway as the target: its destination.
                    for pathway in refs(p["ceterms:targetPathway"]) {
                        if let d = destinationOf[pathway], d != id, credentialIDs.contains(d), !requires.contains(d) { requires.append(d) }
                    }
                    for key in ["ceterms:targetCredential", "ceterms:targetLearningOpportunity", "ceterms:targetAssessment"] {
                        for target in refs(p[key]) {
                            if let tid = idOf[target], credentialIDs.contains(tid) {
                                if tid != id, !requires.contains(tid) { requires.append(tid) }
                            } else {
                                undescribed["prerequisite", default: []].append("\(id) requires \(target)")
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
            // A pathway component's conditions are its rule: they say which of a program's
            // parts (its whole catalogue, electives included) it takes.
            if let component {
                let children = childCredentials(component, of: id)
                for c in nodes(component["ceterms:hasCondition"]) {
                    if let r = rule(c, owner: id, children: children, depth: 0) { rules.append(r) }
                }
            }
            // The conditions of the stages that lead to it are conditions on it; a credit total
            // a stage states with no targets counts what its stage and the stages before hold.
            for stage in stagesBefore([uri] + (component.flatMap { str($0["@id"]) }.map { [$0] } ?? [])) {
                guard let so = byURI[stage] else { continue }
                let pool = ([stage] + stagesBefore([stage])).flatMap { byURI[$0].map { childCredentials($0, of: id) } ?? [] }
                var unique: [String] = [], seen = Set<String>()
                for c in pool where seen.insert(c).inserted { unique.append(c) }
                for c in nodes(so["ceterms:hasCondition"]) {
                    if let r = rule(c, owner: id, children: unique, depth: 0) {
                        rules.append(r)
                        carried += 1
                    }
                }
            }
            let parts = refs(o["ceterms:hasPart"]).compactMap { p -> String? in
                if let pid = idOf[p], credentialIDs.contains(pid) { return pid }
                undescribed["part", default: []].append("\(id) has part \(p)")
                return nil
            }
            if !parts.isEmpty {
                if rules.isEmpty { rules.append(.object(JSONObject([(Format.Rule.all, .array(parts.map(s)))]))) } else { replacedParts += 1 }
            }
            // A component with children and no condition of its own is earned by its children.
            if let component, rules.isEmpty {
                let children = childCredentials(component, of: id)
                if !children.isEmpty {
                    rules.append(.object(JSONObject([(Format.Rule.all, .array(children.map(s)))])))
                    childRules += 1
                }
            }
            if component == nil {
                for c in nodes(o["ceterms:hasCondition"]) {
                    let targets = refs(c["ceterms:targetComponent"]).compactMap { idOf[$0] }.filter { credentialIDs.contains($0) && $0 != id }
                    guard !targets.isEmpty else { continue }
                    // CTDL's default is every target component.
                    var n = targets.count
                    if let k = number(c["ceterms:requiredNumber"]) { n = max(1, min(targets.count, Int(k))) }
                    // On a credential that is not a component of its own (a certification in
                    // CompTIA's chain), a condition is the pathway's order: what comes before it
                    // is its prerequisite, not its part. A choice among several cannot be a
                    // prerequisite, and stays a rule (reported).
                    if n == targets.count {
                        ordered += 1
                        for target in targets where !requires.contains(target) { requires.append(target) }
                        continue
                    }
                    orderedChoices += 1
                    rules.append(.object(JSONObject([(Format.Rule.n, .number(Double(n))), (.of, .array(targets.map(s)))])))
                }
            }
            if !requires.isEmpty { record.set(Format.Credential.requires, .array(requires.map(s))) }
            if rules.count == 1 { record.set(Format.Credential.stack, rules[0]) }
            if rules.count > 1 { record.set(Format.Credential.stack, .object(JSONObject([(Format.Rule.all, .array(rules))]))) }
            record.set(Format.Credential.url, str(o["ceterms:subjectWebpage"]).map(s))
            credentialNames[id] = record.string(Format.Credential.name)
            credentials.append(.object(record))
        }
        // The records' order may go round (A precedes B, B precedes A): the link that closes
        // each cycle is left out, and said, so the graph loads.
        var positions: [String: Int] = [:]
        var requiresOf: [[String]] = credentials.map { c in
            guard case .object(let o) = c else { return [] }
            return o.list(Format.Credential.requires).compactMap { if case .string(let s) = $0 { s } else { nil } }
        }
        for (i, c) in credentials.enumerated() {
            if case .object(let o) = c, let id = o.string(Format.Credential.id) { positions[id] = i }
        }
        let back = GraphBuilder.backEdges(requiresOf.map { $0.compactMap { positions[$0] } })
        for (from, to) in back {
            guard case .object(var o) = credentials[from], let fromID = o.string(Format.Credential.id), case .object(let t) = credentials[to],
                  let toID = t.string(Format.Credential.id) else { continue }
            requiresOf[from].removeAll { $0 == toID }
            o.set(Format.Credential.requires, requiresOf[from].isEmpty ? nil : .array(requiresOf[from].map { .string($0) }))
            credentials[from] = .object(o)
            report.append("the records' order goes round: \(fromID) requiring \(toID) closes a cycle, and is left out")
        }
        if ordered > 0 { report.append("\(ordered) pathway condition\(ordered == 1 ? "" : "s") on credentials (the order they come in) imported as prerequisites") }
        if orderedChoices > 0 { report.append("\(orderedChoices) pathway condition\(orderedChoices == 1 ? "" : "s") on credentials that offer a choice kept as stack rules (a prerequisite cannot be a choice)") }
        if preparation > 0 { report.append("\(preparation) preparation link\(preparation == 1 ? "" : "s") (isPreparationFor, preparationFrom) left out: advice, not a prerequisite") }
        for p in pathways {
            let destination = p.destination.map { id in credentialNames[id].map { "\"\($0)\" (\(id))" } ?? id }
            report.append("pathway \"\(p.name)\": " + (destination.map { "its destination is \($0)" } ?? "no destination component"))
        }
        if stages > 0 { report.append("\(stages) pathway component\(stages == 1 ? "" : "s") of type BasicComponent that no condition targets (stages, groupings): structure, not something one earns; \(carried) of their conditions apply to the credentials they lead to") }
        if childRules > 0 { report.append("\(childRules) pathway component\(childRules == 1 ? "" : "s") with children (hasChild) and no condition: all of \(childRules == 1 ? "its" : "their") children are \(childRules == 1 ? "its" : "their") stack rule") }
        if replacedParts > 0 { report.append("\(replacedParts) program\(replacedParts == 1 ? "" : "s") with parts (hasPart) and pathway conditions: the conditions are the stack rule (the parts list every offering, electives too)") }
        for (what, links) in undescribed.sorted(by: { $0.key > $1.key }) {
            let shown = links.prefix(3).joined(separator: "; ") + (links.count > 3 ? "; ..." : "")
            report.append("\(links.count) \(what)\(links.count == 1 ? "" : "s") the records do not describe left out (\(shown))")
        }
        if !undescribedTargets.isEmpty {
            let n = undescribedTargets.count
            report.append("\(n) condition target\(n == 1 ? "" : "s") the records do not describe: placeholder credential\(n == 1 ? "" : "s") named \"Not described: ...\", so the rules stay as written (a plan shows what is missing)")
            for uri in undescribedTargets {
                let last = uri.split(separator: "/").last.map(String.init) ?? uri
                credentials.append(.object(JSONObject([(Format.Credential.id, s(uri)), (.name, s("Not described: \(last)")), (.kind, s("certificate")),
                                                       (.provider, s(organization("unknown-provider")))])))
            }
        }
        for (left, n) in constraintsLeftOut.sorted(by: { $0.key < $1.key }) {
            report.append("\(n) constraint\(n == 1 ? "" : "s") on \(left) left out: credq plans credentials and credit totals, not grades, results or limits")
        }
        if repeated > 0 { report.append("\(repeated) record\(repeated == 1 ? "" : "s") repeated (the same id listed again): imported once") }
        if ownerless > 0 { report.append("\(ownerless) credential\(ownerless == 1 ? "" : "s") with no ownedBy or offeredBy: provider \"Unknown provider\"") }
        for (t, n) in skipped.sorted(by: { $0.key < $1.key }) { report.append("\(n) record\(n == 1 ? "" : "s") of type \(t) left out: credq has no place for them") }
        for id in placeholders where !orgIDs.contains(id) {
            let last = id.split(separator: "/").last.map(String.init) ?? id
            let name = id == "unknown-provider" ? "Unknown provider" : "Organization \(last) (not described)"
            organizations.append((id, .object(JSONObject([(Format.Organization.id, s(id)), (.name, s(name)), (.kind, s("industry"))]))))
        }
        let root = JSONValue.object(JSONObject([
            (Format.Top.credq, .number(Double(Format.version))), (.organizations, .array(organizations.map(\.value))), (.credentials, .array(credentials)),
        ]))
        return Result(json: root.serialized(indent: 1) + "\n", report: report, refused: refused, credentials: credentials.count, organizations: organizations.count)
    }

    static let expandedBases = [
        ("https://purl.org/ctdl/terms/", "ceterms:"), ("http://purl.org/ctdl/terms/", "ceterms:"),
        ("https://purl.org/ctdlasn/terms/", "ceasn:"), ("http://purl.org/ctdlasn/terms/", "ceasn:"),
        ("https://schema.org/", "schema:"), ("http://schema.org/", "schema:"),
        ("http://purl.org/ctdl/qdata/", "qdata:"), ("https://purl.org/ctdl/qdata/", "qdata:"),
    ]

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
                for (base, prefix) in expandedBases where key.hasPrefix(base) {
                    key = prefix + key.dropFirst(base.count)
                }
                return (key, compacted(member.value))
            }))
        default:
            return value
        }
    }

    /// The credits a value profile gives (`ceterms:value`, `schema:value` or `qdata:value`).
    static func creditValue(_ profile: JSONObject) -> Double? {
        for key in ["ceterms:value", "schema:value", "qdata:value"] { if let v = number(profile[key]), v >= 0 { return v } }
        return nil
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
