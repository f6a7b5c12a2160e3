import Crypto
import CryptoExtras
import Foundation
import Testing
@testable import CredqKit
import CredqSigning

/// `verify` on holdings whose proofs the tests sign with keys they make: every status, and the
/// attacks that must never pass as valid.
@Suite struct VerifyTests {
    typealias Signer = SigningKey

    static let es = Signer.newP256()
    static let ed = Signer.newEd25519()
    static let rs = Signer.newRSA()
    static let stranger = Signer.newP256()

    static func token(_ signer: Signer, kid: String? = "k1", header extra: String = "", claims: String) -> String {
        let header = "{\"alg\": \"\(signer.alg)\"\(kid.map { ", \"kid\": \"\($0)\"" } ?? "")\(extra)}"
        return signer.compactJWS(header: header, payload: claims)
    }

    static func claims(holding: String = "h1", learner: String = "ann", achievement: String = "badge", issued: String = "2025-03-01", expires: String? = nil) -> String {
        "{\"iss\": \"acme\", \"jti\": \"\(holding)\", \"sub\": \"\(learner)\", \"nbf\": \(Day(issued)!.daysSince1970 * 86_400)"
            + (expires.map { ", \"exp\": \(Day($0)!.daysSince1970 * 86_400)" } ?? "")
            + ", \"vc\": {\"type\": [\"VerifiableCredential\", \"OpenBadgeCredential\"], \"credentialSubject\": {\"id\": \"\(learner)\", \"achievement\": {\"id\": \"\(achievement)\"}}}}"
    }

    /// A graph whose issuer publishes `keys`, and one holding with `proof`.
    static func graph(proof: String?, keys: String, revoked: String = "", validMonths: String = "") throws -> Graph {
        let proofField = proof.map { ", \"proof\": \"\($0)\"" } ?? ""
        let text = """
            {"credq": 1,
             "organizations": [{"id": "acme", "name": "Acme", "kind": "industry", "keys": [\(keys)], "revoked": [\(revoked)]},
                               {"id": "other", "name": "Other Org", "kind": "industry", "keys": [\(stranger.jwk(kid: "other-1"))]}],
             "credentials": [{"id": "badge", "name": "Badge", "kind": "badge", "provider": "acme"\(validMonths)}],
             "learners": [{"id": "ann", "name": "Ann", "holds": [{"id": "h1", "credential": "badge", "issued": "2025-03-01"\(proofField)}]}]}
            """
        return try GraphLoader.load([GraphSource(name: "t.json", bytes: Array(text.utf8))]).graph
    }

    static func status(_ graph: Graph, on day: String = "2026-01-01") -> HoldingVerifier.Result {
        HoldingVerifier(graph: graph).verify(learner: 0, holding: graph.learners[0].holdings[0], on: Day(day)!)
    }

    @Test(arguments: [es, ed, rs])
    func validForEachAlgorithm(_ signer: Signer) throws {
        let g = try Self.graph(proof: Self.token(signer, claims: Self.claims()), keys: signer.jwk(kid: "k1"))
        let r = Self.status(g)
        #expect(r.status == .valid, "\(signer.alg): \(r.reason)")
        #expect(r.keyID == "k1")
    }

    @Test func anEditedByteIsTampering() throws {
        let good = Self.token(Self.es, claims: Self.claims())
        var parts = good.split(separator: ".").map(String.init)
        parts[1] = Base64URL.encode(Array(Self.claims(achievement: "other-badge").utf8))
        let g = try Self.graph(proof: parts.joined(separator: "."), keys: Self.es.jwk(kid: "k1"))
        #expect(Self.status(g).status == .tampered)
        // A signature byte flipped.
        var sig = Base64URL.decode(good.split(separator: ".")[2])!
        sig[5] ^= 1
        let flipped = good.split(separator: ".")[0...1].joined(separator: ".") + "." + Base64URL.encode(sig)
        #expect(Self.status(try Self.graph(proof: flipped, keys: Self.es.jwk(kid: "k1"))).status == .tampered)
    }

    @Test func signedClaimsMustAgreeWithTheHolding() throws {
        for claims in [Self.claims(holding: "h9"), Self.claims(learner: "bob"), Self.claims(achievement: "x"), Self.claims(issued: "2025-03-02")] {
            let g = try Self.graph(proof: Self.token(Self.ed, claims: claims), keys: Self.ed.jwk(kid: "k1"))
            #expect(Self.status(g).status == .tampered, "\(claims)")
        }
    }

    @Test func keysTheIssuerDidNotPublish() throws {
        let unknown = try Self.graph(proof: Self.token(Self.es, kid: "k2", claims: Self.claims()), keys: Self.es.jwk(kid: "k1"))
        #expect(Self.status(unknown).status == .unknownKey)
        // A kid that names another issuer's key.
        let other = try Self.graph(proof: Self.token(Self.stranger, kid: "other-1", claims: Self.claims()), keys: Self.es.jwk(kid: "k1"))
        let r = Self.status(other)
        #expect(r.status == .unknownKey)
        #expect(r.reason.contains("Other Org"))
        // A good signature by a key carried only in the token.
        let embedded = Self.token(Self.stranger, kid: "mine", header: ", \"jwk\": \(Self.stranger.jwk(kid: "mine"))", claims: Self.claims())
        #expect(Self.status(try Self.graph(proof: embedded, keys: Self.es.jwk(kid: "k1"))).status == .untrustedKey)
    }

    @Test func datesAndRevocation() throws {
        let g = try Self.graph(proof: Self.token(Self.es, claims: Self.claims(expires: "2026-03-01")), keys: Self.es.jwk(kid: "k1"),
                               validMonths: ", \"valid_months\": 12")
        #expect(Self.status(g, on: "2025-06-01").status == .valid)
        #expect(Self.status(g, on: "2026-03-01").status == .expired)
        #expect(Self.status(g, on: "2025-02-28").status == .notYetValid)
        let revoked = try Self.graph(proof: Self.token(Self.es, claims: Self.claims()), keys: Self.es.jwk(kid: "k1"), revoked: "\"h1\"")
        #expect(Self.status(revoked).status == .revoked)
    }

    @Test func neverValidWithoutARealSignature() throws {
        let keys = Self.es.jwk(kid: "k1")
        #expect(Self.status(try Self.graph(proof: nil, keys: keys)).status == .unsigned)
        // alg none, with an empty signature.
        let header = Base64URL.encode(Array("{\"alg\": \"none\"}".utf8)), payload = Base64URL.encode(Array(Self.claims().utf8))
        #expect(Self.status(try Self.graph(proof: "\(header).\(payload).", keys: keys)).status == .unsigned)
        // HMAC keyed with the public key's bytes.
        let hsHeader = Base64URL.encode(Array("{\"alg\": \"HS256\", \"kid\": \"k1\"}".utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(hsHeader).\(payload)".utf8), using: SymmetricKey(data: Array(keys.utf8)))
        let hs = "\(hsHeader).\(payload).\(Base64URL.encode(Array(mac)))"
        #expect(Self.status(try Self.graph(proof: hs, keys: keys)).status == .unsupported)
        // An algorithm credq does not check, named.
        let ps = Base64URL.encode(Array("{\"alg\": \"PS256\", \"kid\": \"k1\"}".utf8))
        let r = Self.status(try Self.graph(proof: "\(ps).\(payload).AAAA", keys: keys))
        #expect(r.status == .unsupported && r.reason.contains("PS256"))
        // Cut short, and not base64url.
        let good = Self.token(Self.es, claims: Self.claims())
        #expect(Self.status(try Self.graph(proof: String(good.prefix(40)), keys: keys)).status == .malformed)
        #expect(Self.status(try Self.graph(proof: "a.b!.c", keys: keys)).status == .malformed)
    }

    @Test func dayArithmetic() {
        #expect(Day("1970-01-01")!.daysSince1970 == 0)
        #expect(Day("2000-03-01")!.daysSince1970 == 11_017)
        for text in ["1999-12-31", "2024-02-29", "2100-03-01", "1969-07-20"] {
            let d = Day(text)!
            #expect(Day(daysSince1970: d.daysSince1970) == d)
        }
    }
}
