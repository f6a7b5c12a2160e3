import Foundation

/// Converts Open Badges 3.0 credentials (JSON, or a VC-JWT whose proof is kept) into a graph in
/// format v1: each achievement a credential, each issuer an organization, each alignment a
/// skill the credential teaches, and each credential a holding of one learner.
///
/// Open Badges says nothing of skill levels: an alignment is taught at level 1. Issuers have no
/// kind in Open Badges: an issuer becomes an `industry` organization unless its type says
/// otherwise. Everything that cannot be mapped is reported.
public enum OpenBadgesImporter {
    public struct Result: Sendable {
        public var json: String
        public var report: [String]
        /// Files refused, each a located error: the others still import, but the import failed.
        public var refused: [String] = []
        public var credentials: Int
        public var holdings: Int
    }

    static let kinds: [String: CredentialKind] = [
        "Badge": .badge, "Course": .course, "Certificate": .certificate, "Certification": .certification,
        "License": .certification, "MicroCredential": .microcredential, "Degree": .degree, "AssociateDegree": .degree,
        "BachelorDegree": .degree, "MasterDegree": .degree, "DoctoralDegree": .degree, "ProfessionalDoctorate": .degree,
        "Diploma": .degree, "GeneralEducationDevelopment": .certificate, "CertificateOfCompletion": .certificate,
    ]

    /// `files` as (name, bytes); `learner` names the holder (else the credential subject's id).
    public static func convert(_ files: [(name: String, bytes: [UInt8])], learner: String?) -> Result {
        var report: [String] = []
        // What was left out or read another way, once per reason, with the files it concerns.
        var notes: [(reason: String, files: [String])] = []
        func note(_ file: String, _ reason: String) {
            if let i = notes.firstIndex(where: { $0.reason == reason }) { notes[i].files.append(file) } else { notes.append((reason, [file])) }
        }
        var organizations: [String: JSONObject] = [:], orgOrder: [String] = []
        var skills: [String: JSONObject] = [:], skillOrder: [String] = []
        var credentials: [String: JSONObject] = [:], credentialOrder: [String] = []
        var learners: [String: (name: String, holds: [JSONValue])] = [:], learnerOrder: [String] = []
        var holdingIDs = Set<String>()
        func s(_ v: String) -> JSONValue { .string(v) }
        func str(_ v: JSONValue?) -> String? { if case .string(let x)? = v { x } else { nil } }
        func obj(_ v: JSONValue?) -> JSONObject? { if case .object(let o)? = v { o } else { nil } }
        func types(_ v: JSONValue?) -> [String] {
            switch v {
            case .string(let t)?: [t]
            case .array(let items)?: items.compactMap(str)
            default: []
            }
        }

        var refused: [String] = []
        for file in files {
            var proof: JSONValue?
            var document: JSONObject
            let text = String(decoding: file.bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if text.hasPrefix("{") {
                let parsed: JSONValue
                do { parsed = try JSONParser.parse(file.bytes) } catch {
                    let (line, column) = error.location(in: file.bytes)
                    refused.append("\(file.name):\(line):\(column): error: not valid JSON: \(error.message)")
                    continue
                }
                guard case .object(let o) = parsed else { refused.append("\(file.name):1:1: error: not a credential: the JSON is not an object"); continue }
                document = o
                // A credential with an embedded proof is kept whole, exactly as issued.
                if o["proof"] != nil { proof = .object(o) }
            } else if let jws = try? CompactJWS(text) {
                document = obj(jws.payload["vc"]) ?? jws.payload
                proof = .string(text)
            } else {
                refused.append("\(file.name):1:1: error: neither JSON nor a compact JWS")
                continue
            }
            guard types(document["type"]).contains(where: { $0 == "OpenBadgeCredential" || $0 == "AchievementCredential" }) else {
                note(file.name, "skipped: not an OpenBadgeCredential (type \(types(document["type"]).joined(separator: ", ")))")
                continue
            }
            // The issuer.
            let issuerObject = obj(document["issuer"])
            guard let issuerID = issuerObject.flatMap({ str($0["id"]) }) ?? str(document["issuer"]) else {
                note(file.name, "skipped: no issuer id")
                continue
            }
            if organizations[issuerID] == nil {
                let issuerTypes = issuerObject.map { types($0["type"]) } ?? []
                organizations[issuerID] = JSONObject([
                    (Format.Organization.id, s(issuerID)), (.name, s(issuerObject.flatMap { str($0["name"]) } ?? issuerID)),
                    (.kind, s(issuerTypes.contains("University") ? "university" : "industry")),
                    (.url, issuerObject.flatMap { str($0["url"]) }.map(s)),
                ])
                orgOrder.append(issuerID)
            }
            // The achievement.
            guard let subject = obj(document["credentialSubject"]), let achievement = obj(subject["achievement"]),
                  let achievementID = str(achievement["id"]) else {
                note(file.name, "skipped: no credentialSubject.achievement.id")
                continue
            }
            if credentials[achievementID] == nil {
                let type = str(achievement["achievementType"]) ?? "Achievement"
                let kind = kinds[type] ?? .badge
                if kinds[type] == nil { note(file.name, "achievementType \(type) has no kind in credq: imported as a badge") }
                var teaches: [(key: String, value: JSONValue)] = []
                if case .array(let alignments)? = achievement["alignment"] {
                    for case .object(let a) in alignments {
                        guard let name = str(a["targetName"]) else { note(file.name, "an alignment without targetName was left out"); continue }
                        let id = str(a["targetUrl"]) ?? OnetImporter.slug(name)
                        if skills[id] == nil {
                            skills[id] = JSONObject([(Format.Skill.id, s(id)), (.name, s(name)), (.category, str(a["targetFramework"]).map(s))])
                            skillOrder.append(id)
                        }
                        if !teaches.contains(where: { $0.key == id }) { teaches.append((id, .number(1))) }
                    }
                }
                var credits: JSONValue?
                if case .number(let n)? = achievement["creditsAvailable"], n >= 0 { credits = .number(n) }
                credentials[achievementID] = JSONObject([
                    (Format.Credential.id, s(achievementID)), (.name, s(str(achievement["name"]) ?? achievementID)), (.kind, s(kind.rawValue)),
                    (.provider, s(issuerID)), (.teaches, teaches.isEmpty ? nil : .object(JSONObject(members: teaches))), (.credits, credits),
                ])
                credentialOrder.append(achievementID)
            }
            // The holding.
            guard let holder = learner ?? str(subject["id"]) else {
                note(file.name, "no holding: the subject has no id; name the learner with --learner")
                continue
            }
            let issued = (str(document["validFrom"]) ?? str(document["issuanceDate"])).flatMap { Day(String($0.prefix(10))) }
            guard let issued else {
                note(file.name, "no holding: no validFrom or issuanceDate date")
                continue
            }
            var holdingID = str(document["id"]) ?? "\(holder)-\(achievementID)"
            if holdingIDs.contains(holdingID) {
                var n = 2
                while holdingIDs.contains("\(holdingID)#\(n)") { n += 1 }
                note(file.name, "credential id \(holdingID) was already imported: this holding is \(holdingID)#\(n)")
                holdingID = "\(holdingID)#\(n)"
            }
            holdingIDs.insert(holdingID)
            let until = (str(document["validUntil"]) ?? str(document["expirationDate"])).flatMap { Day(String($0.prefix(10))) }
            let holding = JSONObject([
                (Format.Holding.id, s(holdingID)), (.credential, s(achievementID)), (.issued, s(issued.description)),
                (.expires, until.map { s($0.description) }), (.proof, proof),
            ])
            if learners[holder] == nil {
                learners[holder] = (str(subject["name"]) ?? holder, [])
                learnerOrder.append(holder)
            }
            learners[holder]!.holds.append(.object(holding))
        }
        let root = JSONValue.object(JSONObject([
            (Format.Top.credq, .number(Double(Format.version))),
            (.organizations, .array(orgOrder.map { .object(organizations[$0]!) })),
            (.skills, .array(skillOrder.map { .object(skills[$0]!) })),
            (.credentials, .array(credentialOrder.map { .object(credentials[$0]!) })),
            (.learners, .array(learnerOrder.map { id in
                .object(JSONObject([(Format.Learner.id, s(id)), (.name, s(learners[id]!.name)), (.holds, .array(learners[id]!.holds))]))
            })),
        ]))
        let holdings = learners.values.reduce(0) { $0 + $1.holds.count }
        for (reason, files) in notes {
            if files.count == 1 {
                report.append("\(files[0]): \(reason)")
            } else {
                report.append("\(files.count) files: \(reason) (\(files.prefix(5).joined(separator: ", "))\(files.count > 5 ? ", ..." : ""))")
            }
        }
        return Result(json: root.serialized(indent: 1) + "\n", report: report, refused: refused, credentials: credentialOrder.count, holdings: holdings)
    }
}
