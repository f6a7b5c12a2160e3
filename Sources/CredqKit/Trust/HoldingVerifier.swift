import Foundation

/// What `verify` says of a holding.
public enum VerificationStatus: String, Sendable, CaseIterable {
    case valid, tampered
    case unknownKey = "unknown-key"
    case untrustedKey = "untrusted-key"
    case expired
    case notYetValid = "not-yet-valid"
    case revoked, suspended, unsigned, unsupported, malformed
    /// A holding assumed for the session (`assume`): not verified, always counted.
    case assumed
}

/// Checks a holding's proof, a compact JWS signed by the credential's provider, against the
/// provider's published keys, the holding itself, the provider's revocations and a date.
///
/// The payload's claims must agree with the holding: `jti` (the holding id), `sub` or
/// `vc.credentialSubject.id` (the learner id), `vc.credentialSubject.achievement.id` (the
/// credential id), `nbf` or `vc.validFrom` (the issue date) and, when present, `exp` or
/// `vc.validUntil` (the expiry). Any disagreement is tampering.
struct HoldingVerifier {
    let graph: Graph

    struct Result {
        var status: VerificationStatus
        var keyID: String?
        var reason: String
    }

    /// A learner's holding by its place: one assumed for the session (`assume`) is `assumed`,
    /// never verified; the others are checked.
    func verify(learner: Int, holdingAt index: Int, on day: Day) -> Result {
        if graph.isAssumed(learner: learner, holding: index) {
            return Result(status: .assumed, keyID: nil, reason: "assumed for this session (assume); forget assumptions drops it")
        }
        return verify(learner: learner, holding: graph.learners[learner].holdings[index], on: day)
    }

    func verify(learner: Int, holding: Holding, on day: Day) -> Result {
        let credential = graph.credentials[holding.credential]
        let issuer = graph.organizations[credential.provider]
        guard let proof = holding.proof else {
            // No signature to check, but what the record itself says still counts against it.
            if var refuted = standing(holding, issuer, on: day, keyID: nil) {
                refuted.reason += " (the holding carries no proof)"
                return refuted
            }
            return Result(status: .unsigned, keyID: nil, reason: "the holding carries no proof")
        }
        if let signed = holding.signedCredential {
            return verify(signed, learner: learner, holding: holding, issuer: issuer, on: day)
        }
        let jws: CompactJWS, alg: String, keyID: String?
        switch CompactJWS.screen(proof) {
        case .success(let screened): (jws, alg, keyID) = screened
        case .failure(let rejection): return Result(status: rejection.status, keyID: rejection.keyID, reason: rejection.reason)
        }

        // The issuer's published key: by kid, or its only key for this algorithm.
        var published: [(kid: String?, jwk: JSONObject)] = []
        for case .object(let jwk) in issuer.keys {
            var kid: String?
            if case .string(let k)? = jwk["kid"] { kid = k }
            published.append((kid, jwk))
        }
        let candidates = keyID.map { k in published.filter { $0.kid == k } } ?? published
        var key: PublicKey?
        for c in candidates {
            if let k = try? PublicKey(jwk: c.jwk), k.accepts(alg) {
                key = k
                break
            }
        }
        if key == nil {
            // A key carried in the token itself proves nothing about who signed it.
            if case .object(let embedded)? = jws.header["jwk"], let k = try? PublicKey(jwk: embedded), k.accepts(alg) {
                if k.isValidSignature(jws.signature, for: jws.signingInput) {
                    return Result(status: .untrustedKey, keyID: keyID,
                                  reason: "the signature is good, but by a key in the token, not one \(issuer.name) published")
                }
                return Result(status: .tampered, keyID: keyID, reason: "the signature does not match the content")
            }
            if let k = keyID, let owner = graph.organizations.first(where: { o in o.keys.contains { if case .object(let j) = $0, case .string(k)? = j["kid"] { true } else { false } } }) {
                return Result(status: .unknownKey, keyID: keyID, reason: "key \(k) belongs to \(owner.name), not to the issuer \(issuer.name)")
            }
            return Result(status: .unknownKey, keyID: keyID,
                          reason: keyID.map { "\(issuer.name) published no key \($0) for \(alg)" } ?? "\(issuer.name) published no \(alg) key")
        }
        guard key!.isValidSignature(jws.signature, for: jws.signingInput) else {
            return Result(status: .tampered, keyID: keyID, reason: "the signature does not match the content")
        }
        if let disagreement = claimsDisagree(jws.payload, learner: learner, holding: holding) {
            return Result(status: .tampered, keyID: keyID, reason: disagreement)
        }
        return standing(holding, issuer, on: day, keyID: keyID)
            ?? Result(status: .valid, keyID: keyID, reason: "signed by \(issuer.name)")
    }

    /// A holding whose proof is a signed credential object (an Open Badges 3.0 credential with
    /// a Data Integrity proof): checked with the keys its provider publishes (JWKs and
    /// Multikeys), or the did:key that is the provider itself; then its claims against the
    /// holding, as for a token.
    private func verify(_ signed: JSONObject, learner: Int, holding: Holding, issuer: Organization, on day: Day) -> Result {
        let signer = DataIntegrityVerifier.issuerID(of: signed)
        // The provider's keys speak for the provider, under the id the credential gives it.
        let controller = signer.flatMap { $0 == issuer.id || $0 == issuer.url ? $0 : nil } ?? issuer.id
        var keys: [CredentialFiles.Key] = []
        for key in issuer.keys {
            switch key {
            case .object(let jwk):
                guard let k = try? PublicKey(jwk: jwk) else { continue }
                let kid: String? = if case .string(let s)? = jwk["kid"] { s } else { nil }
                keys.append(CredentialFiles.Key(key: k, kid: kid, id: nil, source: "published by \(issuer.name)", controller: controller))
            case .string(let multikey):
                if var k = CredentialFiles.key(fromText: multikey) {
                    k.source = "published by \(issuer.name)"
                    k.controller = controller
                    keys.append(k)
                }
            default: continue
            }
        }
        var verifier = DataIntegrityVerifier(keys: keys)
        verifier.keyAdvice = "\(issuer.name) publishes no key that verifies it"
        let r = verifier.verify(signed, on: day)
        switch r.status {
        case .tampered, .malformed, .unsupported, .unknownKey, .unsigned:
            return Result(status: r.status, keyID: r.keyID, reason: r.reason)
        default: break
        }
        // The credential must be the provider's, and say what the holding says.
        if let signer, signer != issuer.id, signer != issuer.url {
            return Result(status: .tampered, keyID: r.keyID, reason: "the credential was issued by \(signer), not by \(issuer.name)")
        }
        if let disagreement = claimsDisagree(signed, learner: learner, holding: holding, what: "the credential") {
            return Result(status: .tampered, keyID: r.keyID, reason: disagreement)
        }
        if let refuted = standing(holding, issuer, on: day, keyID: r.keyID) { return refuted }
        return Result(status: r.status, keyID: r.keyID, reason: r.status == .valid ? "signed by \(issuer.name) (a Data Integrity proof)" : r.reason)
    }

    /// What the holding's own facts say on the day: revoked by its issuer, not yet issued, or
    /// expired; nil when none of these.
    private func standing(_ holding: Holding, _ issuer: Organization, on day: Day, keyID: String?) -> Result? {
        if issuer.revoked.contains(holding.id) {
            return Result(status: .revoked, keyID: keyID, reason: "\(issuer.name) revoked it")
        }
        if day < holding.issued {
            return Result(status: .notYetValid, keyID: keyID, reason: "valid from \(holding.issued)")
        }
        if let expiry = graph.expiry(of: holding), day >= expiry {
            return Result(status: .expired, keyID: keyID, reason: "expired on \(expiry)")
        }
        return nil
    }

    /// Why the signed claims and the holding disagree, or nil when they agree.
    /// `what` names the signed thing in the reason: the token, or the credential.
    private func claimsDisagree(_ payload: JSONObject, learner: Int, holding: Holding, what: String = "the token") -> String? {
        func string(_ v: JSONValue?) -> String? { if case .string(let s)? = v { s } else { nil } }
        func object(_ v: JSONValue?) -> JSONObject? { if case .object(let o)? = v { o } else { nil } }
        let vc = object(payload["vc"]) ?? payload
        let subject = object(vc["credentialSubject"])
        let learnerID = graph.learners[learner].id
        let credential = graph.credentials[holding.credential]
        // `import openbadges` keeps a credential id seen twice as `ID#2`, `ID#3`, ...
        func isCopy(_ id: String) -> Bool {
            holding.id.hasPrefix(id + "#") && holding.id.dropFirst(id.count + 1).allSatisfy(\.isNumber) && holding.id.count > id.count + 1
        }
        if let jti = string(payload["jti"]) ?? string(vc["id"]), jti != holding.id, !isCopy(jti) {
            return "\(what) is for holding \(jti), not \(holding.id)"
        }
        guard let sub = string(payload["sub"]) ?? string(subject?["id"]) else { return "\(what) names no subject" }
        if sub != learnerID { return "\(what) was issued to \(sub), not \(learnerID)" }
        guard let achievement = string(object(subject?["achievement"])?["id"]) ?? string(payload["achievement"]) else {
            return "\(what) names no achievement"
        }
        if achievement != credential.id, achievement != credential.url {
            return "\(what) is for achievement \(achievement), not \(credential.id)"
        }
        guard let issued = Day(claim: payload["nbf"]) ?? Day(claim: vc["validFrom"]) ?? Day(claim: vc["issuanceDate"]) else {
            return "\(what) has no issue date"
        }
        if issued != holding.issued { return "\(what) was issued \(issued), the holding says \(holding.issued)" }
        if let expires = Day(claim: payload["exp"]) ?? Day(claim: vc["validUntil"]) ?? Day(claim: vc["expirationDate"]),
           let holdingExpiry = graph.expiry(of: holding), expires != holdingExpiry {
            return "\(what) expires \(expires), the holding says \(holdingExpiry)"
        }
        return nil
    }
}

extension Day {
    /// 0000-01-01 and 9999-12-31, the first and last days a `YYYY-MM-DD` date can name.
    static let firstDaysSince1970 = -719_528
    static let lastDaysSince1970 = 2_932_896

    /// The civil date `days` after 1970-01-01, clamped to 0000-01-01 ... 9999-12-31.
    init(daysSince1970 unclamped: Int) {
        let days = min(max(unclamped, Day.firstDaysSince1970), Day.lastDaysSince1970)
        // Howard Hinnant's days-from-civil inverse.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// Days since 1970-01-01.
    var daysSince1970: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Today, in UTC.
    public static var today: Day { Day(daysSince1970: Int(Date().timeIntervalSince1970 / 86_400)) }
}
