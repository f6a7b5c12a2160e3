// A private key that signs compact JWS, with its public key as a JWK: what the seed-signing
// tool (credq-sign) gives each issuer and what the verification tests sign their tokens with.
// Not part of credq itself, which only ever verifies.

import Crypto
import CryptoExtras
import CredqKit

public enum SigningKey: Sendable {
    case p256(P256.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)
    case rsa(_RSA.Signing.PrivateKey)

    /// A fresh ES256 (P-256) key.
    public static func newP256() -> SigningKey { .p256(P256.Signing.PrivateKey()) }
    /// A fresh EdDSA (Ed25519) key.
    public static func newEd25519() -> SigningKey { .ed25519(Curve25519.Signing.PrivateKey()) }
    /// A fresh RS256 key of 2048 bits.
    public static func newRSA() -> SigningKey { .rsa(try! _RSA.Signing.PrivateKey(keySize: .bits2048)) }

    /// The JWS `alg` it signs with.
    public var alg: String {
        switch self {
        case .p256: "ES256"
        case .ed25519: "EdDSA"
        case .rsa: "RS256"
        }
    }

    /// The public key as a JWK object (one line of JSON) with this `kid` and its `alg`.
    public func jwk(kid: String) -> String {
        switch self {
        case .p256(let k):
            let raw = Array(k.publicKey.rawRepresentation)
            return "{\"kty\": \"EC\", \"crv\": \"P-256\", \"kid\": \"\(kid)\", \"alg\": \"ES256\", \"x\": \"\(Base64URL.encode(raw[0..<32]))\", \"y\": \"\(Base64URL.encode(raw[32...]))\"}"
        case .ed25519(let k):
            return "{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"kid\": \"\(kid)\", \"alg\": \"EdDSA\", \"x\": \"\(Base64URL.encode(k.publicKey.rawRepresentation))\"}"
        case .rsa(let k):
            let p = try! k.publicKey.getKeyPrimitives()
            return "{\"kty\": \"RSA\", \"kid\": \"\(kid)\", \"alg\": \"RS256\", \"n\": \"\(Base64URL.encode(p.modulus))\", \"e\": \"\(Base64URL.encode(p.publicExponent))\"}"
        }
    }

    /// The raw signature of the bytes, as JWS carries it (ES256: r‖s; RS256: PKCS #1 v1.5).
    public func sign(_ data: [UInt8]) -> [UInt8] {
        switch self {
        case .p256(let k): Array(try! k.signature(for: SHA256.hash(data: data)).rawRepresentation)
        case .ed25519(let k): Array(try! k.signature(for: data))
        case .rsa(let k): Array(try! k.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation)
        }
    }

    /// A compact JWS of this header and payload (JSON text each), signed.
    public func compactJWS(header: String, payload: String) -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        return input + "." + Base64URL.encode(sign(Array(input.utf8)))
    }
}
