/// Verifies a credential with embedded Data Integrity proofs, offline: `DataIntegrityProof`
/// with the `eddsa-rdfc-2022` cryptosuite (or its older name `eddsa-2022`) and
/// `Ed25519Signature2020`, one proof, a set or a chain. The contexts are the bundled ones and
/// those the caller adds; a key is one the caller gives, or the did:key the proof names (the
/// issuer's own when the issuer is that DID), or the Multikey in the method URL's fragment
/// (which shows only that the signature holds).
///
/// Statuses, first found first: tampered, malformed, unsupported and unknown-key (a proof that
/// fails or cannot be checked); then the status lists (revoked, suspended); then the dates
/// (not-yet-valid, expired); then untrusted-key when no proof is by a trusted key; else valid.
struct DataIntegrityVerifier {
    struct Result: Equatable {
        var status: VerificationStatus
        var keyID: String?
        var reason: String
    }

    /// Contexts the caller adds (`--context URL=FILE`), by URL.
    var contexts: [String: JSONValue] = [:]
    /// Keys the caller trusts (`--key`): a key with no id is tried on every proof, one with an
    /// id only on the proofs whose verification method it names. When a key named for the
    /// method (by its id, or its controller) does not verify, the credential is tampered.
    var keys: [CredentialFiles.Key] = []
    /// The status lists given (`--status-list`, `--revocation-list`).
    var lists = StatusLists()
    /// What to do about a key nothing ties to the issuer, said in `untrusted-key` reasons.
    var keyAdvice = "give its key with --key"

    func loader() -> JSONLD.Loader {
        let extra = contexts
        return { url in extra[url] ?? Self.bundled[url] }
    }

    /// Contexts processed once for every credential verified in this process.
    static let contextCache = JSONLD.ContextCache()

    /// The bundled contexts, parsed once.
    static let bundled: [String: JSONValue] = BundledContexts.documents.compactMapValues { try? JSONParser.parse(Array($0.utf8)) }

    static let suites: Set<String> = ["eddsa-rdfc-2022", "eddsa-2022"]

    /// One proof's outcome.
    private enum ProofOutcome {
        case holds(method: String, trusted: Bool, detail: String)
        case fails(VerificationStatus, method: String?, reason: String)
    }

    func verify(_ document: JSONObject, on day: Day) -> Result {
        var proofs: [JSONObject] = []
        switch document["proof"] {
        case .object(let p)?: proofs = [p]
        case .array(let items)?:
            proofs = items.compactMap { if case .object(let p) = $0 { p } else { nil } }
            guard proofs.count == items.count, !proofs.isEmpty else {
                return Result(status: .malformed, keyID: nil, reason: "its proof list holds something that is not a proof")
            }
        default: return Result(status: .unsigned, keyID: nil, reason: "a JSON credential without a proof")
        }
        var unsecured = document
        unsecured.members.removeAll { $0.key == "proof" }
        let issuer = Self.issuerID(of: document)
        let outcomes = proofs.map { check($0, among: proofs, unsecured: unsecured, issuer: issuer, on: day) }
        // A proof that fails, or that cannot be checked, decides.
        for status in [VerificationStatus.tampered, .malformed, .unsupported, .unknownKey, .expired] {
            for case .fails(let s, let method, let reason) in outcomes where s == status {
                return Result(status: s, keyID: method, reason: proofs.count > 1 ? "a proof of \(proofs.count): \(reason)" : reason)
            }
        }
        guard issuer != nil else {
            return Result(status: .malformed, keyID: nil, reason: "it names no issuer")
        }
        let held = outcomes.compactMap { o -> (method: String, trusted: Bool, detail: String)? in
            if case .holds(let m, let t, let d) = o { (m, t, d) } else { nil }
        }
        let trusted = held.first { $0.trusted }
        let keyID = (trusted ?? held.first)?.method
        // The status lists, then the dates: facts of a credential whose signatures hold.
        var note = ""
        switch lists.check(document) {
        case .refuted(let status, let reason): return Result(status: status, keyID: keyID, reason: reason)
        case .clear(let urls, let standIns): note = StatusLists.note(unchecked: urls, standIns: standIns)
        }
        let from = Self.string(document["validFrom"]) ?? Self.string(document["issuanceDate"])
        let until = Self.string(document["validUntil"]) ?? Self.string(document["expirationDate"])
        if let from, let start = Day(String(from.prefix(10))), day < start {
            return Result(status: .notYetValid, keyID: keyID, reason: "valid from \(start)")
        }
        if let until, let end = Day(String(until.prefix(10))), day >= end {
            return Result(status: .expired, keyID: keyID, reason: "expired on \(end)")
        }
        let also = held.count > 1 ? " (\(held.count) proofs hold)" : ""
        guard let trusted else {
            return Result(status: .untrustedKey, keyID: keyID, reason: (held.first?.detail ?? "") + also + note)
        }
        return Result(status: .valid, keyID: keyID, reason: trusted.detail + also + note)
    }

    private static func string(_ v: JSONValue?) -> String? { if case .string(let s)? = v { s } else { nil } }

    /// The id of a credential's issuer: the `issuer` string, or its object's `id`.
    static func issuerID(of credential: JSONObject) -> String? {
        switch credential["issuer"] {
        case .string(let s)?: s
        case .object(let o)?: string(o["id"])
        default: nil
        }
    }

    private func check(_ proof: JSONObject, among all: [JSONObject], unsecured: JSONObject, issuer: String?, on day: Day) -> ProofOutcome {
        let type = Self.string(proof["type"])
        let suite: String
        switch type {
        case "DataIntegrityProof":
            guard let named = Self.string(proof["cryptosuite"]), Self.suites.contains(named) else {
                let kind = Self.string(proof["cryptosuite"]).map { "DataIntegrityProof \($0)" } ?? "DataIntegrityProof without a cryptosuite"
                return .fails(.unsupported, method: nil, reason: "credq does not check \(kind) proofs")
            }
            suite = named
        case "Ed25519Signature2020": suite = "Ed25519Signature2020"
        default:
            return .fails(.unsupported, method: nil, reason: "credq does not check \(type.map { "\($0) proofs" } ?? "untyped proofs")")
        }
        let method = Self.string(proof["verificationMethod"])
        guard let proofValue = Self.string(proof["proofValue"]), let method else {
            return .fails(.malformed, method: method, reason: "the proof has no proofValue or no verificationMethod")
        }
        guard Self.string(proof["proofPurpose"]) == "assertionMethod" else {
            return .fails(.malformed, method: method, reason: "the proof's purpose is not assertionMethod")
        }
        if proof["created"] != nil {
            guard let created = Self.string(proof["created"]), Self.isDateTime(created) else {
                return .fails(.malformed, method: method, reason: "the proof's created is not a date and time")
            }
        }
        if let expires = Self.string(proof["expires"]), let end = Day(String(expires.prefix(10))), day >= end {
            return .fails(.expired, method: method, reason: "the proof expired on \(end)")
        }
        // A proof's own @context must be where the credential's begins.
        if let own = proof["@context"] {
            let list: (JSONValue?) -> [JSONValue] = { v in
                switch v { case .array(let a)?: a; case let x?: [x]; case nil: [] }
            }
            let mine = list(own), theirs = list(unsecured["@context"])
            guard mine.count <= theirs.count, zip(mine, theirs).allSatisfy({ $0 == $1 }) else {
                return .fails(.malformed, method: method, reason: "the proof's @context is not where the credential's begins")
            }
        }
        // What was signed: the credential without its proofs (with the proofs this one follows,
        // in a chain), and the proof without its value, under the credential's context.
        var signedDocument = unsecured
        if let previous = proof["previousProof"] {
            let ids: [String] = switch previous {
            case .string(let s): [s]
            case .array(let items): items.compactMap { Self.string($0) }
            default: []
            }
            let matching = ids.compactMap { id in all.first { Self.string($0["id"]) == id } }
            guard !ids.isEmpty, matching.count == ids.count else {
                return .fails(.malformed, method: method, reason: "the proof follows \(ids.isEmpty ? "a previousProof that is not an id" : ids.joined(separator: ", ")), which is not among its proofs")
            }
            signedDocument.members.append(("proof", .array(matching.map(JSONValue.object))))
        }
        var config = proof
        config.members.removeAll { $0.key == "proofValue" }
        if config["@context"] == nil, let context = unsecured["@context"] { config.members.insert(("@context", context), at: 0) }
        let processor = JSONLD(loader: loader(), cache: contexts.isEmpty ? Self.contextCache : nil)
        let input: DataIntegrity.Input
        do {
            input = try DataIntegrity.input(document: try processor.toRDF(.object(signedDocument)), proofConfiguration: try processor.toRDF(.object(config)))
        } catch let failure as JSONLD.Failure {
            if failure.code == "loading remote context failed" {
                return .fails(.unsupported, method: method, reason: "it needs the context \(failure.detail ?? "?"), which credq does not have (add it with --context URL=FILE)")
            }
            return .fails(.malformed, method: method, reason: "not valid JSON-LD: \(failure)")
        } catch {
            return .fails(.malformed, method: method, reason: "its RDF is too complex to canonicalise")
        }
        func holds(_ key: [UInt8]) -> Bool { DataIntegrity.verifyEd25519(input, proofValue: proofValue, publicKey: key) }
        // The keys the caller gave: those that name this method (by its id, its DID or its
        // controller), then those that name none and are tried on every proof.
        let did = String(method.split(separator: "#", maxSplits: 1).first ?? "")
        func isNamed(_ k: CredentialFiles.Key) -> Bool { k.id == method || k.id == did || (k.controller != nil && k.controller == did) }
        let named = keys.filter(isNamed)
        let bare = keys.filter { $0.id == nil && !isNamed($0) }
        for key in named + bare {
            guard case .ed25519(let k) = key.key, holds(Array(k.rawRepresentation)) else { continue }
            // A key from a controller document speaks for its controller, who must be the issuer.
            if let controller = key.controller, let issuer, controller != issuer {
                return .holds(method: method, trusted: false, detail: "signed by a key of \(controller) (\(key.source)), which is not the issuer \(issuer)")
            }
            return .holds(method: method, trusted: true, detail: "\(suite) signature by \(method), a key given (\(key.source))")
        }
        // A did:key is its own key; a Multikey in the method URL's fragment shows only that
        // the signature holds.
        let didKey = Multibase.didKeyEd25519(method)
        let fragment = method.split(separator: "#", maxSplits: 1).dropFirst().first.flatMap { Multibase.ed25519PublicKey(String($0)) }
        if let own = didKey ?? fragment {
            guard holds(own) else {
                return .fails(.tampered, method: method, reason: "the \(suite) signature does not match the credential")
            }
            if didKey != nil, issuer == did {
                return .holds(method: method, trusted: true, detail: "\(suite) signature by \(did), the issuer")
            }
            if didKey != nil {
                return .holds(method: method, trusted: false, detail: "signed by \(did), which is not the issuer \(issuer ?? "named") (\(keyAdvice))")
            }
            return .holds(method: method, trusted: false,
                          detail: "the signature holds with the key in \(method), which nothing ties to the issuer (\(keyAdvice))")
        }
        if !named.isEmpty {
            return .fails(.tampered, method: method, reason: "the \(suite) signature does not match the credential with the key given for \(method)")
        }
        if !bare.isEmpty {
            let n = bare.count
            return .fails(.unknownKey, method: method,
                          reason: "the signature does not hold with the \(n == 1 ? "key" : "\(n) keys") given, none of them named for \(method): it was signed by another key, or changed")
        }
        return .fails(.unknownKey, method: method, reason: "no key for \(method) (give the issuer's key with --key)")
    }

    /// `YYYY-MM-DDThh:mm:ss` with an optional fraction and zone, as XML Schema's dateTime.
    static func isDateTime(_ text: String) -> Bool {
        let u = Array(text.utf8)
        guard u.count >= 19, Day(String(text.prefix(10))) != nil, u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: "t") else { return false }
        let digit = { (i: Int) in u[i] >= 0x30 && u[i] <= 0x39 }
        return digit(11) && digit(12) && u[13] == UInt8(ascii: ":") && digit(14) && digit(15) && u[16] == UInt8(ascii: ":") && digit(17) && digit(18)
    }
}
