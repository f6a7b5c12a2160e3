/// Verifies a credential with an embedded Data Integrity proof (`DataIntegrityProof` with the
/// `eddsa-rdfc-2022` cryptosuite, or its older name `eddsa-2022`), offline: the contexts are
/// the bundled ones and those the caller adds, the key is the did:key the proof names (which
/// is the issuer's own when the issuer is that DID) or one the caller gives.
struct DataIntegrityVerifier {
    struct Result: Equatable {
        var status: VerificationStatus
        var keyID: String?
        var reason: String
    }

    /// Contexts the caller adds (`--context URL=FILE`), by URL.
    var contexts: [String: JSONValue] = [:]
    /// Ed25519 public keys the caller trusts, by verification method id (or by DID).
    var keys: [String: [UInt8]] = [:]

    func loader() -> JSONLD.Loader {
        let extra = contexts
        return { url in extra[url] ?? Self.bundled[url] }
    }

    /// Contexts processed once for every credential verified in this process.
    static let contextCache = JSONLD.ContextCache()

    /// The bundled contexts, parsed once.
    static let bundled: [String: JSONValue] = BundledContexts.documents.compactMapValues { try? JSONParser.parse(Array($0.utf8)) }

    static let suites: Set<String> = ["eddsa-rdfc-2022", "eddsa-2022"]

    func verify(_ document: JSONObject, on day: Day) -> Result {
        var proofs: [JSONObject] = []
        switch document["proof"] {
        case .object(let p)?: proofs = [p]
        case .array(let items)?: proofs = items.compactMap { if case .object(let p) = $0 { p } else { nil } }
        default: return Result(status: .unsigned, keyID: nil, reason: "a JSON credential without a proof")
        }
        guard proofs.count == 1 else {
            return Result(status: .unsupported, keyID: nil, reason: "credq does not check proof sets yet (\(proofs.count) proofs)")
        }
        let proof = proofs[0]
        func string(_ v: JSONValue?) -> String? { if case .string(let s)? = v { s } else { nil } }
        guard string(proof["type"]) == "DataIntegrityProof", let suite = string(proof["cryptosuite"]), Self.suites.contains(suite) else {
            let kind = [string(proof["type"]), string(proof["cryptosuite"])].compactMap { $0 }.joined(separator: " ")
            return Result(status: .unsupported, keyID: nil, reason: "credq does not check \(kind.isEmpty ? "untyped" : kind) proofs yet")
        }
        let method = string(proof["verificationMethod"])
        guard let proofValue = string(proof["proofValue"]), let method else {
            return Result(status: .malformed, keyID: method, reason: "the proof has no proofValue or no verificationMethod")
        }
        guard string(proof["proofPurpose"]) == "assertionMethod" else {
            return Result(status: .malformed, keyID: method, reason: "the proof's purpose is not assertionMethod")
        }
        // What was signed: the credential without its proof, and the proof without its value
        // under the credential's context.
        var unsecured = document
        unsecured.members.removeAll { $0.key == "proof" }
        var config = proof
        config.members.removeAll { $0.key == "proofValue" }
        if config["@context"] == nil, let context = unsecured["@context"] { config.members.insert(("@context", context), at: 0) }
        let processor = JSONLD(loader: loader(), cache: contexts.isEmpty ? Self.contextCache : nil)
        let input: DataIntegrity.Input
        do {
            input = try DataIntegrity.input(document: try processor.toRDF(.object(unsecured)), proofConfiguration: try processor.toRDF(.object(config)))
        } catch let failure as JSONLD.Failure {
            if failure.code == "loading remote context failed" {
                return Result(status: .unsupported, keyID: method, reason: "it needs the context \(failure.detail ?? "?"), which credq does not have (add it with --context URL=FILE)")
            }
            return Result(status: .malformed, keyID: method, reason: "not valid JSON-LD: \(failure)")
        } catch {
            return Result(status: .malformed, keyID: method, reason: "its RDF is too complex to canonicalise")
        }
        // The key: a did:key is its own key; otherwise one the caller gave.
        let did = String(method.split(separator: "#", maxSplits: 1).first ?? "")
        // A key only in the method URL's fragment (`...#z6Mk...`) shows whether the signature
        // holds, but nothing ties it to the issuer: at best untrusted-key.
        let fragment = method.split(separator: "#", maxSplits: 1).dropFirst().first.flatMap { Multibase.ed25519PublicKey(String($0)) }
        guard let key = Multibase.didKeyEd25519(method) ?? keys[method] ?? keys[did] ?? fragment else {
            return Result(status: .unknownKey, keyID: method, reason: "no key for \(method) (give the issuer's key with --key)")
        }
        guard DataIntegrity.verifyEd25519(input, proofValue: proofValue, publicKey: key) else {
            return Result(status: .tampered, keyID: method, reason: "the \(suite) signature does not match the credential")
        }
        if Multibase.didKeyEd25519(method) == nil, keys[method] == nil, keys[did] == nil {
            return Result(status: .untrustedKey, keyID: method,
                          reason: "the signature holds with the key in \(method), which nothing ties to the issuer (give its key with --key)")
        }
        let issuer = string(document["issuer"]) ?? (document["issuer"].flatMap { v -> String? in if case .object(let o) = v { string(o["id"]) } else { nil } })
        if keys[method] == nil, keys[did] == nil, issuer != did {
            return Result(status: .untrustedKey, keyID: method, reason: "signed by \(did), which is not the issuer \(issuer ?? "named")")
        }
        // Dates: v2 validFrom/validUntil, v1 issuanceDate/expirationDate.
        let from = string(document["validFrom"]) ?? string(document["issuanceDate"])
        let until = string(document["validUntil"]) ?? string(document["expirationDate"])
        if let from, let start = Day(String(from.prefix(10))), day < start {
            return Result(status: .notYetValid, keyID: method, reason: "valid from \(start)")
        }
        if let until, let end = Day(String(until.prefix(10))), day >= end {
            return Result(status: .expired, keyID: method, reason: "expired on \(end)")
        }
        return Result(status: .valid, keyID: method, reason: "\(suite) signature by \(did)")
    }
}
