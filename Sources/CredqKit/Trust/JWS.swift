import Crypto
import CryptoExtras
import Foundation

/// Base64url without padding, as JOSE uses it.
public enum Base64URL {
    public static func decode(_ text: Substring) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map { Array($0) }
    }

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// A compact JWS: `header.payload.signature`, each part base64url.
struct CompactJWS {
    var header: JSONObject
    var payload: JSONObject
    var signature: [UInt8]
    /// The bytes the signature covers: `header.payload` as written.
    var signingInput: [UInt8]

    enum ParseError: Error, Equatable {
        /// Not three dot-separated parts: cut short, or not a JWS at all.
        case notThreeParts(Int)
        /// A character outside base64url.
        case badBase64(String)
        /// Three base64url parts, but one does not decode canonically to what it must be: the
        /// token was altered after it was made.
        case altered(String)
    }

    init(_ token: String) throws(ParseError) {
        let parts = token.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .notThreeParts(parts.count) }
        let names = ["header", "payload", "signature"]
        for (part, name) in zip(parts, names) where !part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            throw .badBase64(name)
        }
        var decoded: [[UInt8]] = []
        for (part, name) in zip(parts, names) {
            // Canonical only: a changed spare bit in the last character is an edit too.
            guard let bytes = Base64URL.decode(part), Base64URL.encode(bytes) == part else { throw .altered(name) }
            decoded.append(bytes)
        }
        guard case .object(let header)? = try? JSONParser.parse(decoded[0]) else { throw .altered("header") }
        guard case .object(let payload)? = try? JSONParser.parse(decoded[1]) else { throw .altered("payload") }
        self.header = header
        self.payload = payload
        signature = decoded[2]
        signingInput = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
    }
}

/// The JOSE signature algorithms that exist (RFC 7518, RFC 8037): a name outside these in a
/// token's header was not written by any signer, so the header was altered.
let registeredAlgorithms: Set<String> = [
    "none", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "ES256K",
    "PS256", "PS384", "PS512", "EdDSA", "Ed25519", "Ed448",
]

/// Why a token's check ends before any key is tried, and how that is reported.
struct Rejection: Error {
    var status: VerificationStatus
    var reason: String
    /// The header's `kid` and the payload, when the token could be read.
    var keyID: String?
    var payload: JSONObject?
}

extension CompactJWS {
    /// The token parsed, with a signature algorithm credq checks (RS256, ES256, EdDSA); or why
    /// its check ends here: not a JWS (malformed), altered, `alg: none` (unsigned), a MAC or an
    /// algorithm credq does not check (unsupported).
    static func screen(_ text: String) -> Result<(jws: CompactJWS, alg: String, keyID: String?), Rejection> {
        let jws: CompactJWS
        do {
            jws = try CompactJWS(text)
        } catch {
            return switch error {
            case .notThreeParts(let n): .failure(Rejection(status: .malformed, reason: "a compact JWS has 3 parts, this token has \(n) (cut short?)"))
            case .badBase64(let part): .failure(Rejection(status: .malformed, reason: "the \(part) is not base64url"))
            case .altered(let part):
                .failure(Rejection(status: .tampered, reason: "the \(part) does not decode to what it must be: the token was altered"))
            }
        }
        var keyID: String?
        if case .string(let k)? = jws.header["kid"] { keyID = k }
        func reject(_ status: VerificationStatus, _ reason: String) -> Result<(jws: CompactJWS, alg: String, keyID: String?), Rejection> {
            .failure(Rejection(status: status, reason: reason, keyID: keyID, payload: jws.payload))
        }
        // A header without an algorithm, or with one no signer uses, was edited: no key can match.
        guard case .string(let alg)? = jws.header["alg"], registeredAlgorithms.contains(alg) else {
            return reject(.tampered, "the header names no signature algorithm credq knows of: the token was altered")
        }
        if alg == "none" { return reject(.unsigned, "the token declares alg none: it carries no signature") }
        if alg.hasPrefix("HS") { return reject(.unsupported, "\(alg) is a shared-secret MAC, not a signature a public key can check") }
        guard ["RS256", "ES256", "EdDSA"].contains(alg) else {
            return reject(.unsupported, "credq does not check \(alg) signatures (it checks RS256, ES256 and EdDSA)")
        }
        return .success((jws, alg, keyID))
    }
}

extension Day {
    /// A date claim: seconds since 1970, or an ISO 8601 date or date-time.
    init?(claim value: JSONValue?) {
        switch value {
        case .number(let seconds)?:
            // Clamped to the years a date can be written in (0000-9999): a hostile claim such as
            // 1e300 is simply a day far in the past or the future, never an overflow.
            let days = (seconds / 86_400).rounded(.down)
            self.init(daysSince1970: Int(min(max(days, Double(Day.firstDaysSince1970)), Double(Day.lastDaysSince1970))))
        case .string(let s)?: self.init(String(s.prefix(10)))
        default: return nil
        }
    }
}

/// A public key from a JWK: RSA, EC P-256 or Ed25519.
enum PublicKey {
    case rsa(_RSA.Signing.PublicKey)
    case p256(P256.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PublicKey)

    enum KeyError: Error, Equatable { case unsupported(String), invalid(String) }

    init(jwk: JSONObject) throws(KeyError) {
        func field(_ name: String) throws(KeyError) -> [UInt8] {
            guard case .string(let s)? = jwk[name], let bytes = Base64URL.decode(s[...]) else { throw .invalid("the JWK lacks \"\(name)\"") }
            return bytes
        }
        guard case .string(let kty)? = jwk["kty"] else { throw .invalid("the JWK lacks \"kty\"") }
        switch kty {
        case "RSA":
            let n = try field("n"), e = try field("e")
            guard let key = try? _RSA.Signing.PublicKey(n: n, e: e) else { throw .invalid("the RSA key does not parse") }
            self = .rsa(key)
        case "EC":
            guard case .string("P-256")? = jwk["crv"] else { throw .unsupported("EC keys on curves other than P-256") }
            let x = try field("x"), y = try field("y")
            guard let key = try? P256.Signing.PublicKey(rawRepresentation: x + y) else { throw .invalid("the P-256 point is not on the curve") }
            self = .p256(key)
        case "OKP":
            guard case .string("Ed25519")? = jwk["crv"] else { throw .unsupported("OKP keys other than Ed25519") }
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: try field("x")) else { throw .invalid("the Ed25519 key does not parse") }
            self = .ed25519(key)
        default:
            throw .unsupported("\(kty) keys")
        }
    }

    /// Whether this key verifies `alg`.
    func accepts(_ alg: String) -> Bool {
        switch self {
        case .rsa: alg == "RS256"
        case .p256: alg == "ES256"
        case .ed25519: alg == "EdDSA"
        }
    }

    func isValidSignature(_ signature: [UInt8], for data: [UInt8]) -> Bool {
        switch self {
        case .rsa(let key):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        case .p256(let key):
            guard let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(sig, for: SHA256.hash(data: data))
        case .ed25519(let key):
            return key.isValidSignature(signature, for: data)
        }
    }
}
