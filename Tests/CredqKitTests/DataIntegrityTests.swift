import Crypto
import Foundation
import Testing
@testable import CredqKit

/// The `eddsa-rdfc-2022` pipeline against the W3C EdDSA cryptosuite test vectors
/// (Tests/Fixtures/vc-di-eddsa): canonical document and proof configuration, their hashes, the
/// signature, the keys in multibase and did:key, and a tampered triple that must fail.
@Suite struct DataIntegrityTests {
    static let folder = Support.root.appendingPathComponent("Tests/Fixtures/vc-di-eddsa")

    static func text(_ path: String) -> String {
        try! String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static let keyPair = try! JSONSerialization.jsonObject(with: Data(text("keyPair.json").utf8)) as! [String: String]

    @Test(arguments: ["eddsa-rdfc-2022", "eddsa-rdfc-2022/employ"])
    func everyIntermediateValueOfTheVectors(_ vector: String) throws {
        let doc = try NQuads.parse(Self.text("\(vector)/canonDocDataInt.txt"))
        let config = try NQuads.parse(Self.text("\(vector)/proofCanonDataInt.txt"))
        let input = try DataIntegrity.input(document: doc, proofConfiguration: config)
        #expect(input.canonicalDocument == Self.text("\(vector)/canonDocDataInt.txt"))
        #expect(input.canonicalProofConfiguration == Self.text("\(vector)/proofCanonDataInt.txt"))
        #expect(Self.hex(input.documentHash) == Self.text("\(vector)/docHashDataInt.txt").trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(Self.hex(input.proofConfigurationHash) == Self.text("\(vector)/proofHashDataInt.txt").trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(Self.hex(input.signed) == Self.text("\(vector)/combinedHashDataInt.txt").trimmingCharacters(in: .whitespacesAndNewlines))

        // The key the proof names, resolved from the did:key itself.
        let signed = try JSONSerialization.jsonObject(with: Data(Self.text("\(vector)/signedDataInt.json").utf8)) as! [String: Any]
        let proof = signed["proof"] as! [String: Any]
        let method = proof["verificationMethod"] as! String
        let key = try #require(Multibase.didKeyEd25519(method))
        #expect(key == Multibase.ed25519PublicKey(Self.keyPair["publicKeyMultibase"]!))
        let proofValue = proof["proofValue"] as! String
        #expect(proofValue == Self.text("\(vector)/sigBTC58DataInt.txt").trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(Self.hex(Multibase.decode(proofValue)!) == Self.text("\(vector)/sigHexDataInt.txt").trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(DataIntegrity.verifyEd25519(input, proofValue: proofValue, publicKey: key))

        // Signing again with the vectors' private key gives the same signature (Ed25519 is deterministic).
        let secret = try #require(Multibase.decode(Self.keyPair["privateKeyMultibase"]!))
        #expect(Array(secret.prefix(2)) == Multibase.ed25519PrivatePrefix)
        let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: secret.dropFirst(2))
        #expect(Array(privateKey.publicKey.rawRepresentation) == key)

        // One triple changed, one key changed: refused.
        var tampered = doc
        tampered[0].object = .literal("Someone Else", datatype: RDFTerm.xsdString, language: nil)
        #expect(!DataIntegrity.verifyEd25519(try DataIntegrity.input(document: tampered, proofConfiguration: config), proofValue: proofValue, publicKey: key))
        #expect(!DataIntegrity.verifyEd25519(input, proofValue: proofValue, publicKey: Array(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation)))
    }

    @Test func multibaseAndDidKey() {
        for text in ["z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "z111Ab", "z1"] {
            #expect(Multibase.base58btcEncode(Multibase.base58btc(String(text.dropFirst()))!) == text)
        }
        #expect(Multibase.decode("z0OIl") == nil)  // not in the alphabet
        #expect(Multibase.decode("xabc") == nil)  // a base credq does not read
        #expect(Multibase.decode("uAQID") == [1, 2, 3])
        #expect(Multibase.didKeyEd25519("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkOther") == nil)  // fragment names another key
        #expect(Multibase.didKeyEd25519("did:web:example.com") == nil)
        #expect(Multibase.ed25519PublicKey("zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme") == nil)  // a secp256k1 key
    }
}

extension DataIntegrityTests {
    static func document(_ path: String) -> JSONObject {
        guard case .object(let o) = try! JSONParser.parse(Array(text(path).utf8)) else { fatalError() }
        return o
    }

    /// From the signed JSON itself, with the bundled W3C contexts: the credential's RDF is the
    /// vectors' canonical document, and the proof verifies.
    /// The employment vector needs a citizenship context credq does not bundle: a clear status
    /// naming it, never a fetch.
    @Test func aContextCredqDoesNotHaveIsNamed() {
        let r = DataIntegrityVerifier().verify(Self.document("eddsa-rdfc-2022/employ/signedDataInt.json"), on: Day("2024-06-01")!)
        #expect(r.status == .unsupported && r.reason.contains("https://w3id.org/citizenship/v4rc1"))
    }

    @Test(arguments: ["eddsa-rdfc-2022"])
    func theSignedCredentialsVerifyFromTheirJSON(_ vector: String) throws {
        var signed = Self.document("\(vector)/signedDataInt.json")
        var unsecured = signed
        unsecured.members.removeAll { $0.key == "proof" }
        let verifier = DataIntegrityVerifier()
        let quads = try JSONLD(loader: verifier.loader()).toRDF(.object(unsecured))
        #expect(try RDFCanonicalizer().canonicalize(quads) == Self.text("\(vector)/canonDocDataInt.txt"))

        let day = Day("2024-06-01")!
        // The issuer is a web address, not the did:key that signed: the key is not trusted...
        #expect(verifier.verify(signed, on: day).status == .untrustedKey)
        // ...until the caller says it is the issuer's.
        var trusting = verifier
        trusting.keys = [try #require(CredentialFiles.key(fromText: "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"))]
        #expect(trusting.verify(signed, on: day).status == .valid)
        // One value changed: tampered.
        if case .object(var subject)? = signed["credentialSubject"] {
            subject.set("id", .string("did:example:someone-else"))
            signed.set("credentialSubject", .object(subject))
        }
        #expect(trusting.verify(signed, on: day).status == .tampered)
    }

    @Test func aCredentialIssuedByItsDidKey() throws {
        let secret = Multibase.decode(Self.keyPair["privateKeyMultibase"]!)!.dropFirst(2)
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: secret)
        let did = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
        func signed(validUntil: String?, context: String = "https://www.w3.org/ns/credentials/v2") throws -> JSONObject {
            var doc = JSONObject(members: [
                ("@context", .array([.string(context), .string("https://www.w3.org/ns/credentials/examples/v2")])),
                ("type", .array([.string("VerifiableCredential")])), ("issuer", .string(did)),
                ("validFrom", .string("2025-01-01T00:00:00Z")),
                ("credentialSubject", .object(JSONObject(members: [("id", .string("did:example:ann")), ("name", .string("Ann"))]))),
            ])
            if let validUntil { doc.members.append(("validUntil", .string(validUntil))) }
            let config = JSONObject(members: [
                ("@context", doc["@context"]!), ("type", .string("DataIntegrityProof")), ("cryptosuite", .string("eddsa-rdfc-2022")),
                ("created", .string("2025-01-01T00:00:00Z")), ("verificationMethod", .string(did + "#" + String(did.dropFirst(8)))),
                ("proofPurpose", .string("assertionMethod")),
            ])
            let verifier = DataIntegrityVerifier()
            let processor = JSONLD(loader: verifier.loader())
            if context != "https://www.w3.org/ns/credentials/v2" {
                doc.members.append(("proof", .object(JSONObject(members: config.members.dropFirst() + [("proofValue", .string("z1"))]))))
                return doc
            }
            let input = try DataIntegrity.input(document: try processor.toRDF(.object(doc)), proofConfiguration: try processor.toRDF(.object(config)))
            let signature = try key.signature(for: input.signed)
            var proof = config
            proof.members.removeFirst()
            proof.members.append(("proofValue", .string(Multibase.base58btcEncode(Array(signature)))))
            doc.members.append(("proof", .object(proof)))
            return doc
        }
        let verifier = DataIntegrityVerifier()
        #expect(verifier.verify(try signed(validUntil: nil), on: Day("2026-01-01")!).status == .valid)
        // The command line's fixtures (CREDQ_RECORD=1 writes them again).
        if ProcessInfo.processInfo.environment["CREDQ_RECORD"] != nil {
            let folder = Support.root.appendingPathComponent("Tests/Fixtures/verify")
            try (JSONValue.object(try signed(validUntil: nil)).serialized(indent: 2) + "\n")
                .write(to: folder.appendingPathComponent("di-didkey.json"), atomically: true, encoding: .utf8)
        }
        #expect(verifier.verify(try signed(validUntil: nil), on: Day("2024-01-01")!).status == .notYetValid)
        #expect(verifier.verify(try signed(validUntil: "2025-06-01T00:00:00Z"), on: Day("2026-01-01")!).status == .expired)
        let unknown = verifier.verify(try signed(validUntil: nil, context: "https://example.org/unknown/v1"), on: Day("2026-01-01")!)
        #expect(unknown.status == .unsupported && unknown.reason.contains("https://example.org/unknown/v1"))
    }
}

extension DataIntegrityTests {
    /// The contexts built into credq are the files of contexts/ (scripts/embed-contexts.sh).
    @Test func bundledContextsAreTheFilesOfContexts() throws {
        let index = try String(contentsOf: Support.root.appendingPathComponent("contexts/index.tsv"), encoding: .utf8)
        var files: [String: String] = [:]
        for line in index.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t").map(String.init)
            files[fields[0]] = try String(contentsOf: Support.root.appendingPathComponent("contexts/" + fields[1]), encoding: .utf8)
        }
        #expect(!files.isEmpty)
        #expect(Set(files.keys) == Set(BundledContexts.documents.keys), "rerun scripts/embed-contexts.sh")
        for (url, text) in files {
            #expect(BundledContexts.documents[url]?.trimmingCharacters(in: .whitespacesAndNewlines) == text.trimmingCharacters(in: .whitespacesAndNewlines),
                    "\(url): rerun scripts/embed-contexts.sh")
            #expect((try? JSONParser.parse(Array(text.utf8))) != nil, "\(url) is JSON")
        }
    }
}

extension DataIntegrityTests {
    /// Open Badges 3.0 credentials from 1EdTech's own validator tests
    /// (Tests/Fixtures/ob30-validator), each with the outcome the validator's OB30Tests expect
    /// and the status credq gives when the keys (the Multikeys the proofs name) and the status
    /// lists are given as files. Where the validator rejects a credential for a reason credq
    /// does not check (its JSON Schema), credq's status is the signature's; where the validator
    /// rejects it for a proof, a date or a status, credq never says valid.
    static let validatorCases: [(file: String, validator: String, credq: VerificationStatus)] = [
        ("simple.json", "valid", .valid), ("simple_v1.json", "valid (a warning)", .valid),
        ("simple-eddsa-2022.json", "valid (a warning)", .valid), ("simple-did-key-method.json", "valid", .valid),
        ("simple-did-web-method.json", "valid", .valid), ("simple-context-alias.json", "valid", .valid),
        ("simple-context-version.json", "a context warning", .valid), ("endorsement-valid.json", "valid", .valid),
        ("complete.json", "invalid: inline schema", .valid),
        ("complete_v1.json", "invalid: inline schema", .unknownKey),
        ("simple-err-expired.json", "invalid: expired", .expired), ("simple-err-issued.json", "invalid: issued later", .notYetValid),
        ("credential-status-revoked.json", "invalid: revoked (1EdTechRevocationList)", .revoked),
        ("bit-string-list-revoked.json", "invalid: revoked (BitstringStatusList)", .revoked),
        ("bit-string-list-revoked-blank-nodes.json", "invalid: revoked (BitstringStatusList)", .revoked),
        ("simple-err-proof-value.json", "invalid: proof", .tampered), ("simple-err-proof-method.json", "invalid: proof", .unknownKey),
        ("simple-err-proof-method-no-scheme.json", "invalid: proof", .unknownKey),
        ("simple-err-proof-method-unknown-scheme.json", "invalid: proof", .unknownKey),
        ("simple-err-proof-method-unknown-did-method.json", "invalid: proof", .unknownKey),
        ("simple-multiple-proofs.json", "invalid: a proof of an unknown type", .unsupported),
        ("simple-err-context.json", "invalid: context", .tampered), ("simple-err-type.json", "invalid: type", .tampered),
        ("simple-err-issuer.json", "invalid: schema (no issuer)", .malformed),
        ("simple-err-credential-subject-type.json", "invalid: subject", .tampered),
        ("simple-err-credential-subject-identifier-type.json", "invalid: subject", .tampered),
        ("simple-err-credential-subject-result-type.json", "invalid: subject", .tampered),
        ("simple-err-credential-subject-achievement-result-description-type.json", "invalid: subject", .tampered),
        ("simple-err-credential-subject-profile-type.json", "invalid: subject", .tampered),
        ("simple-err-evidence-type.json", "invalid: evidence", .tampered),
        ("simple-err-issuer-type.json", "invalid: issuer", .tampered), ("simple-err-issuer-parentorg-type.json", "invalid: issuer", .tampered),
        ("simple-err-issuer-otheridentifier-type.json", "invalid: issuer", .tampered),
        ("endorsement-err-schema-status-refresh.json", "invalid: schema", .tampered),
        ("simple-noproof.json", "no proof", .unsigned),
        ("sd_derivedcredential.json", "valid (ecdsa-sd-2023)", .unsupported),
    ]

    static let validatorFolder = Support.root.appendingPathComponent("Tests/Fixtures/ob30-validator")
    static let testlistURL = "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist"

    static func validatorVerifier(day: Day) throws -> DataIntegrityVerifier {
        let keys = ["z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", "z6MknNHHrBzPytzu6CUBP9Lg7fg4KSBjzimc2Frh693YbMiv",
                    "z6Mknyb2Gb4NxzW3xSr9ChTtdQZ1zs77piQ3r9SaJ9vMzmrs", "z6MkoMGF38Ck9xkdqrbZt4h9eHb1qc3GhAAkoSWa4Vy3SHRN",
                    "z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x"].compactMap(CredentialFiles.key(fromText:))
        var lists = StatusLists()
        func bytes(_ file: String) throws -> [UInt8] { Array(try Data(contentsOf: validatorFolder.appendingPathComponent(file))) }
        // Given as a file alone (its id is not the URL the credentials name, which 1EdTech's
        // server answers): the only revocation list given, it stands in for that URL.
        try lists.add(try bytes("bit-string-list-testlist.json"), name: "testlist", url: nil, keys: keys, on: day)
        try lists.add(try bytes("credq-1edtech-revocations.json"), name: "revocations", url: nil, keys: keys, on: day)
        return DataIntegrityVerifier(keys: keys, lists: lists)
    }

    @Test func openBadgesValidatorCredentials() throws {
        let day = Day("2026-11-30")!
        let verifier = try Self.validatorVerifier(day: day)
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.validatorFolder.path)
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix("credq-") && $0 != "bit-string-list-testlist.json" }
        #expect(Set(files) == Set(Self.validatorCases.map(\.file)), "every credential fixture has a case")
        for (file, validator, expected) in Self.validatorCases {
            guard case .object(let o)? = try? JSONParser.parse(Array(try Data(contentsOf: Self.validatorFolder.appendingPathComponent(file)))) else {
                Issue.record("\(file) not read")
                continue
            }
            let r = verifier.verify(o, on: day)
            #expect(r.status == expected, "\(file) (the validator: \(validator)): \(r.reason)")
            if validator.hasPrefix("invalid") { #expect(r.status != .valid || validator.contains("schema"), "\(file)") }
        }
    }

    /// Without keys, the same credentials: a signature that holds by a key only in the method
    /// URL is untrusted-key, never valid.
    @Test func openBadgesValidatorCredentialsWithoutKeys() throws {
        let day = Day("2026-11-30")!
        for (file, _, expected) in Self.validatorCases where expected == .valid {
            guard case .object(let o)? = try? JSONParser.parse(Array(try Data(contentsOf: Self.validatorFolder.appendingPathComponent(file)))) else { continue }
            let r = DataIntegrityVerifier().verify(o, on: day)
            #expect(r.status == .untrustedKey, "\(file): \(r.reason)")
        }
    }
}
