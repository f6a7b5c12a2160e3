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
