import Crypto

/// Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (and its older name
/// `eddsa-2022`): the document without its proof and the proof's configuration (the proof
/// without `proofValue`) are each canonicalised with RDFC-1.0 and hashed with SHA-256; the
/// signature is Ed25519 over the proof configuration's hash followed by the document's.
enum DataIntegrity {
    /// What is hashed and signed, kept for checks and for saying where a proof fails.
    struct Input: Equatable {
        var canonicalDocument: String
        var canonicalProofConfiguration: String
        var documentHash: [UInt8]
        var proofConfigurationHash: [UInt8]
        /// proofConfigurationHash ‖ documentHash: the bytes the signature covers.
        var signed: [UInt8] { proofConfigurationHash + documentHash }
    }

    static func input(document: [RDFQuad], proofConfiguration: [RDFQuad],
                      canonicalizer: RDFCanonicalizer = RDFCanonicalizer()) throws(RDFCanonicalizer.Failure) -> Input {
        let doc = try canonicalizer.canonicalize(document)
        let config = try canonicalizer.canonicalize(proofConfiguration)
        return Input(canonicalDocument: doc, canonicalProofConfiguration: config,
                     documentHash: Array(SHA256.hash(data: Array(doc.utf8))),
                     proofConfigurationHash: Array(SHA256.hash(data: Array(config.utf8))))
    }

    /// Whether the multibase `proofValue` is a valid Ed25519 signature of the input by the key.
    static func verifyEd25519(_ input: Input, proofValue: String, publicKey: [UInt8]) -> Bool {
        // 64 bytes are at most 88 base58 characters: anything longer is not a signature.
        guard proofValue.utf8.count <= 128, let signature = Multibase.decode(proofValue), signature.count == 64,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: input.signed)
    }
}
