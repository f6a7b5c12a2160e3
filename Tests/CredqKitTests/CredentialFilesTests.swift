import Crypto
import CryptoExtras
import Foundation
import Testing
@testable import CredqKit

/// `credq verify FILE...`: credential files checked against key files and revocation lists.
@Suite struct CredentialFilesTests {
    typealias Signer = VerifyTests.Signer
    static let day = Day("2026-06-01")!

    static func vcJWT(_ signer: Signer, kid: String? = "k1", id: String = "urn:uuid:1", from: String = "2026-01-01", until: String? = nil, header: String = "") -> String {
        let claims = "{\"iss\": \"https://issuer.example\", \"jti\": \"\(id)\", \"vc\": {\"id\": \"\(id)\", \"issuer\": {\"id\": \"https://issuer.example\", \"name\": \"Issuer\"}, "
            + "\"validFrom\": \"\(from)T00:00:00Z\"\(until.map { ", \"validUntil\": \"\($0)T00:00:00Z\"" } ?? "")}}"
        return VerifyTests.token(signer, kid: kid, header: header, claims: claims)
    }

    static func keys(_ text: String) throws -> [CredentialFiles.Key] {
        try CredentialFiles.keys(from: Array(text.utf8), name: "key")
    }

    static func check(_ token: String, keys: [CredentialFiles.Key], revoked: Set<String> = []) -> CredentialFiles.Outcome {
        var lists = StatusLists()
        if !revoked.isEmpty {
            let list = "{\"revokedCredential\": [" + revoked.sorted().map { "{\"id\": \"\($0)\"}" }.joined(separator: ", ") + "]}"
            try! lists.add(Array(list.utf8), name: "revoked.json", url: nil, keys: [], on: day)
        }
        return CredentialFiles.verify(Array(token.utf8), name: "c.jwt", keys: keys, lists: lists, on: day)
    }

    @Test func keysFromEveryKindOfFile() throws {
        let es = VerifyTests.es
        #expect(try Self.keys(es.jwk(kid: "k1")).count == 1)
        #expect(try Self.keys("{\"keys\": [\(es.jwk(kid: "k1")), \(VerifyTests.ed.jwk(kid: "k2"))]}").map(\.kid) == ["k1", "k2"])
        guard case .p256(let p) = es else { return }
        let pem = p.publicKey.pemRepresentation
        #expect(try Self.keys(pem).count == 1)
        let ob2 = "{\"type\": \"CryptographicKey\", \"id\": \"https://issuer.example/key\", \"publicKeyPem\": \(String(decoding: try JSONSerialization.data(withJSONObject: [pem]), as: UTF8.self).dropFirst().dropLast())}"
        #expect(try Self.keys(ob2).first?.id == "https://issuer.example/key")
        #expect(throws: CredentialFiles.FileError.self) { try Self.keys("{\"name\": \"not a key\"}") }
        #expect(throws: CredentialFiles.FileError.self) { try Self.keys("just text") }
    }

    @Test func everyStatusOfAFile() throws {
        let key = try Self.keys(VerifyTests.rs.jwk(kid: "k1"))
        #expect(Self.check(Self.vcJWT(VerifyTests.rs), keys: key).status == .valid)
        #expect(Self.check(Self.vcJWT(VerifyTests.rs), keys: []).status == .unknownKey)
        #expect(Self.check(Self.vcJWT(VerifyTests.rs, kid: "k9"), keys: key).status == .unknownKey)
        #expect(Self.check(Self.vcJWT(VerifyTests.stranger, kid: nil), keys: key).status == .unknownKey)
        let embedded = Self.vcJWT(VerifyTests.stranger, kid: nil, header: ", \"jwk\": \(VerifyTests.stranger.jwk(kid: "x"))")
        #expect(Self.check(embedded, keys: key).status == .untrustedKey)
        #expect(Self.check(Self.vcJWT(VerifyTests.rs, until: "2026-05-01"), keys: key).status == .expired)
        #expect(Self.check(Self.vcJWT(VerifyTests.rs, from: "2026-07-01"), keys: key).status == .notYetValid)
        #expect(Self.check(Self.vcJWT(VerifyTests.rs, id: "urn:uuid:gone"), keys: key, revoked: ["urn:uuid:gone"]).status == .revoked)
        // Every edited byte of the payload is tampering, never valid.
        let token = Self.vcJWT(VerifyTests.rs, kid: "k1")
        let parts = token.split(separator: ".")
        var payload = Base64URL.decode(parts[1])!
        for i in stride(from: 0, to: payload.count, by: 7) {
            payload[i] ^= 0x01
            let edited = "\(parts[0]).\(Base64URL.encode(payload)).\(parts[2])"
            let status = Self.check(edited, keys: key).status
            #expect(status == .tampered, "byte \(i): \(status)")
            payload[i] ^= 0x01
        }
        #expect(Self.check(String(token.dropLast(30)), keys: key).status == .tampered)
        #expect(Self.check(String(token.prefix(50)), keys: key).status == .malformed)
    }

    /// Signed claims with absurd times (once an arithmetic overflow): days far outside
    /// 0000-9999 are clamped, so they read as long expired or not yet valid.
    @Test func absurdTimeClaimsAreClampedNotACrash() throws {
        let key = try Self.keys(VerifyTests.rs.jwk(kid: "k1"))
        let far = VerifyTests.token(VerifyTests.rs, kid: "k1", header: "", claims: #"{"iss": "https://issuer.example", "exp": 1e300}"#)
        #expect(Self.check(far, keys: key).status == .valid)
        let past = VerifyTests.token(VerifyTests.rs, kid: "k1", header: "", claims: #"{"iss": "https://issuer.example", "exp": -1e300}"#)
        let expired = Self.check(past, keys: key)
        #expect(expired.status == .expired)
        #expect(expired.reason == "expired on 0000-01-01")
        let future = VerifyTests.token(VerifyTests.rs, kid: "k1", header: "", claims: #"{"iss": "https://issuer.example", "nbf": 1e300}"#)
        #expect(Self.check(future, keys: key).reason == "valid from 9999-12-31")
    }

    @Test func jsonCredentials() {
        let dataIntegrity = "{\"type\": [\"VerifiableCredential\"], \"issuer\": \"did:example:1\", \"proof\": {\"type\": \"DataIntegrityProof\", \"cryptosuite\": \"eddsa-rdfc-2022\"}}"
        let r = CredentialFiles.verify(Array(dataIntegrity.utf8), name: "c.json", keys: [], on: Self.day)
        #expect(r.status == .malformed && r.reason == "the proof has no proofValue or no verificationMethod")
        // A list of one proof is that proof, not a proof set; a list of several is a set.
        let one = dataIntegrity.replacingOccurrences(of: "\"proof\": {", with: "\"proof\": [{").replacingOccurrences(of: "}}", with: "}]}")
        #expect(CredentialFiles.verify(Array(one.utf8), name: "c.json", keys: [], on: Self.day).reason == r.reason)
        // In a set, every proof is checked: one credq cannot check decides.
        let two = one.replacingOccurrences(of: "}]}", with: "}, {\"type\": \"SomeProofType\"}]}")
        let set = CredentialFiles.verify(Array(two.utf8), name: "c.json", keys: [], on: Self.day)
        #expect(set.status == .malformed && set.reason == "a proof of 2: the proof has no proofValue or no verificationMethod")
        let unknown = dataIntegrity.replacingOccurrences(of: "DataIntegrityProof", with: "SomeProofType")
        #expect(CredentialFiles.verify(Array(unknown.utf8), name: "c.json", keys: [], on: Self.day).reason
                == "credq does not check SomeProofType proofs")
        let suite = dataIntegrity.replacingOccurrences(of: "eddsa-rdfc-2022", with: "ecdsa-sd-2023")
        #expect(CredentialFiles.verify(Array(suite.utf8), name: "c.json", keys: [], on: Self.day).reason
                == "credq does not check DataIntegrityProof ecdsa-sd-2023 proofs")
        let empty = dataIntegrity.replacingOccurrences(of: "\"proof\": {", with: "\"proof\": [1, {").replacingOccurrences(of: "}}", with: "}]}")
        #expect(CredentialFiles.verify(Array(empty.utf8), name: "c.json", keys: [], on: Self.day).status == .malformed)
        let bare = CredentialFiles.verify(Array("{\"issuer\": \"x\"}".utf8), name: "c.json", keys: [], on: Self.day)
        #expect(bare.status == .unsigned)
        #expect(CredentialFiles.verify(Array("{nope".utf8), name: "c.json", keys: [], on: Self.day).status == .malformed)
    }

    /// A key file may hold a Multikey or a did:key alone, or as a JSON string.
    @Test func multikeyFiles() throws {
        let multikey = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
        for text in [multikey + "\n", "\"\(multikey)\"", "did:key:\(multikey)"] {
            let keys = try CredentialFiles.keys(from: Array(text.utf8), name: "k.txt")
            #expect(keys.count == 1 && keys[0].source == "k.txt" && keys[0].id == nil, "\(text)")
        }
        #expect(throws: CredentialFiles.FileError.self) { try CredentialFiles.keys(from: Array("z6MkNope".utf8), name: "k.txt") }
    }

    static func object(_ text: String) throws -> JSONObject {
        guard case .object(let o) = try JSONParser.parse(Array(text.utf8)) else { throw CancellationError() }
        return o
    }

    @Test func revocationLists() throws {
        let ob2 = "{\"type\": \"RevocationList\", \"revokedAssertions\": [\"urn:a\", {\"id\": \"urn:b\", \"revocationReason\": \"misconduct\"}]}"
        #expect(StatusLists.revocationEntries(try Self.object(ob2)) == ["urn:a", "urn:b"])
        // 1EdTech's lists name revokedCredential objects; one whose revoked is false stands.
        let oneEdTech = "{\"revokedCredential\": [{\"id\": \"urn:c\", \"revoked\": true}, {\"id\": \"urn:d\", \"revoked\": false}, {\"id\": \"urn:e\"}]}"
        #expect(StatusLists.revocationEntries(try Self.object(oneEdTech)) == ["urn:c", "urn:e"])
        var lists = StatusLists()
        #expect(throws: StatusLists.ListError.self) { try lists.add(Array("{}".utf8), name: "r", url: nil, keys: [], on: Self.day) }
        #expect(throws: StatusLists.ListError.self) { try lists.add(Array("[]".utf8), name: "r", url: nil, keys: [], on: Self.day) }
    }

    /// Real signed credentials, when the shared folder is beside the repository (it is not in a
    /// user's clone: then this test is skipped).
    static let realdata = Support.root.deletingLastPathComponent().appendingPathComponent("shared/realdata/openbadges/signed")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: realdata.path), "needs ../shared/realdata"))
    func realOpenBadges() throws {
        func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: Self.realdata.appendingPathComponent(name))) }
        let key1 = try CredentialFiles.keys(from: read("key1.json"), name: "key1.json")
        let key2 = try CredentialFiles.keys(from: read("key2.json"), name: "key2.json")
        let assertion = try read("simple.jwt")
        let today = Day("2026-11-29")!
        #expect(CredentialFiles.verify(assertion, name: "simple.jwt", keys: key1, on: today).status == .valid)
        #expect(CredentialFiles.verify(assertion, name: "simple.jwt", keys: key2, on: today).status != .valid)
        let vc = try read("simple-rs256-embedded-jwk.jwt")
        #expect(CredentialFiles.verify(vc, name: "vc.jwt", keys: [], on: today).status == .untrustedKey)
        // With the issuer's key given, the same credential is valid; any edited byte is not.
        let header = try JSONParser.parse(Base64URL.decode(String(decoding: vc, as: UTF8.self).split(separator: ".")[0])!)
        guard case .object(let h) = header, case .object(let jwk)? = h["jwk"] else { Issue.record("no embedded key"); return }
        let issuerKey = try CredentialFiles.keys(from: Array(JSONValue.object(jwk).serialized().utf8), name: "issuer.jwk")
        #expect(CredentialFiles.verify(vc, name: "vc.jwt", keys: issuerKey, on: today).status == .valid)
        let text = String(decoding: vc, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let dot = text.firstIndex(of: ".")!
        // Every character of the token, header, payload and signature, changed to another
        // base64url character: always tampered.
        let original = Array(text.utf8)
        for i in original.indices where original[i] != UInt8(ascii: ".") {
            var bytes = original
            bytes[i] = bytes[i] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            let status = CredentialFiles.verify(bytes, name: "vc.jwt", keys: issuerKey, on: today).status
            #expect(status == .tampered, "byte \(i): \(status)")
        }
        _ = dot
    }
}
