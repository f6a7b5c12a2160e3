import Crypto
import CryptoExtras
import Foundation

/// `credq verify FILE...`: credentials as they come (an Open Badges 3.0 VC-JWT, an Open Badges
/// 2.0 signed assertion, or a JSON credential), checked against keys and revocation lists given
/// as files.
public enum CredentialFiles {
    /// A public key from a file, with the names a token may use for it.
    public struct Key: Sendable {
        var key: PublicKey
        var kid: String?
        /// An Open Badges 2.0 CryptographicKey's `id` (the URL an assertion's `verification.creator` names).
        var id: String?
        var source: String
        /// Who a Data Integrity verification method belongs to (its `controller`).
        var controller: String? = nil
    }

    public struct Outcome: Sendable {
        public var file: String
        public var issuer: String
        public var keyID: String?
        public var status: VerificationStatus
        public var reason: String
    }

    public enum FileError: Error, Sendable, CustomStringConvertible {
        case notAKey(String, String)
        case notAList(String)
        case notAContext(String, String)
        public var description: String {
            switch self {
            case .notAKey(let file, let why): "\(file): not a key: \(why)"
            case .notAList(let why): why
            case .notAContext(let file, let why): "\(file): not a JSON-LD context: \(why)"
            }
        }
    }

    // MARK: - Keys

    /// Keys from a JWK, a JWKS, an Open Badges 2.0 CryptographicKey (`publicKeyPem`) or a PEM file.
    public static func keys(from bytes: [UInt8], name: String) throws(FileError) -> [Key] {
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("-----BEGIN") {
            guard let key = pem(text) else { throw .notAKey(name, "a PEM public key that is neither RSA nor P-256") }
            return [Key(key: key, kid: nil, id: nil, source: name)]
        }
        // A Multikey or did:key written in the file, alone or as a JSON string.
        let bare = text.hasPrefix("\"") && text.hasSuffix("\"") && text.count > 1 ? String(text.dropFirst().dropLast()) : text
        if var key = key(fromText: bare) {
            key.source = name
            return [key]
        }
        guard case .object(let object)? = try? JSONParser.parse(bytes) else { throw .notAKey(name, "neither PEM, a Multikey, a did:key nor a JSON object") }
        func string(_ k: String) -> String? { if case .string(let s)? = object[k] { s } else { nil } }
        if case .array(let list)? = object["keys"] {
            var out: [Key] = []
            for case .object(let jwk) in list {
                do {
                    let kid: String? = if case .string(let k)? = jwk["kid"] { k } else { nil }
                    out.append(Key(key: try PublicKey(jwk: jwk), kid: kid, id: nil, source: name))
                } catch {
                    throw .notAKey(name, "a key in the set: \(error)")
                }
            }
            return out
        }
        if let pemText = string("publicKeyPem") {
            guard let key = pem(pemText) else { throw .notAKey(name, "its publicKeyPem is neither RSA nor P-256") }
            return [Key(key: key, kid: nil, id: string("id"), source: name)]
        }
        if object["kty"] != nil {
            do {
                return [Key(key: try PublicKey(jwk: object), kid: string("kid"), id: nil, source: name)]
            } catch {
                throw .notAKey(name, "\(error)")
            }
        }
        let methods = try verificationMethods(object, name: name)
        guard !methods.isEmpty else {
            throw .notAKey(name, "a JSON object without kty, keys, publicKeyPem, publicKeyMultibase or verificationMethod")
        }
        return methods
    }

    private static func pem(_ text: String) -> PublicKey? {
        if let k = try? _RSA.Signing.PublicKey(pemRepresentation: text) { return .rsa(k) }
        if let k = try? _RSA.Signing.PublicKey(unsafePEMRepresentation: text) { return .rsa(k) }
        if let k = try? P256.Signing.PublicKey(pemRepresentation: text) { return .p256(k) }
        return nil
    }

    /// The keys of a controller document or issuer profile (`verificationMethod` and the
    /// methods embedded in `assertionMethod`), or of one verification method: Multikey or
    /// Ed25519VerificationKey2020 (`publicKeyMultibase`), JsonWebKey2020 (`publicKeyJwk`).
    private static func verificationMethods(_ object: JSONObject, name: String) throws(FileError) -> [Key] {
        func string(_ o: JSONObject, _ k: String) -> String? { if case .string(let s)? = o[k] { s } else { nil } }
        func method(_ m: JSONObject, controller: String?) throws(FileError) -> Key? {
            let id = string(m, "id")
            let owner = string(m, "controller") ?? controller
            if let multibase = string(m, "publicKeyMultibase") {
                guard let raw = Multibase.ed25519PublicKey(multibase), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
                    throw .notAKey(name, "\(id ?? "a method")'s publicKeyMultibase is not an Ed25519 Multikey")
                }
                return Key(key: .ed25519(key), kid: nil, id: id, source: name, controller: owner)
            }
            if case .object(let jwk)? = m["publicKeyJwk"] {
                do {
                    return Key(key: try PublicKey(jwk: jwk), kid: string(jwk, "kid"), id: id, source: name, controller: owner)
                } catch {
                    throw .notAKey(name, "\(id ?? "a method")'s publicKeyJwk: \(error)")
                }
            }
            return nil
        }
        if let own = try method(object, controller: nil) { return [own] }
        let controller = string(object, "id")
        var keys: [Key] = []
        for property in ["verificationMethod", "assertionMethod"] {
            let items: [JSONValue] = switch object[property] {
            case .array(let a)?: a
            case .object(let o)?: [.object(o)]
            default: []
            }
            for case .object(let m) in items {
                if let key = try method(m, controller: controller) { keys.append(key) }
            }
        }
        return keys
    }

    /// A key written on the command line: a Multikey (`z6Mk...`) or a did:key.
    public static func key(fromText text: String) -> Key? {
        if let raw = Multibase.didKeyEd25519(text) ?? Multibase.ed25519PublicKey(text),
           let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) {
            return Key(key: .ed25519(key), kid: nil, id: nil, source: text)
        }
        return nil
    }

    // MARK: - Contexts

    /// JSON-LD context documents given as files for URLs (`--context URL=FILE`).
    public struct Contexts: Sendable {
        var byURL: [String: JSONValue] = [:]
        public init() {}

        public mutating func add(_ bytes: [UInt8], url: String, name: String) throws(FileError) {
            guard let value = try? JSONParser.parse(bytes) else { throw .notAContext(name, "not JSON") }
            guard case .object(let object) = value, object["@context"] != nil else { throw .notAContext(name, "a JSON object without @context") }
            byURL[url] = value
        }
    }

    // MARK: - Revocation and status lists

    /// A revocation or status list file, added to `lists`: `url` is the address the file stands
    /// for (`--status-list URL=FILE`), else the list's own `id`.
    public static func addList(_ bytes: [UInt8], name: String, url: String? = nil, to lists: inout StatusLists,
                               keys: [Key], on day: Day) throws(FileError) {
        do {
            try lists.add(bytes, name: name, url: url, keys: keys, on: day)
        } catch {
            throw .notAList(error.description)
        }
    }

    // MARK: - Credentials

    /// Verifies one credential file against the keys, lists and contexts given.
    public static func verify(_ bytes: [UInt8], name: String, keys: [Key], lists: StatusLists = StatusLists(),
                              contexts: Contexts = Contexts(), on day: Day) -> Outcome {
        // JSON, or a token: the first byte that is not white space says which.
        if bytes.first(where: { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 }) == UInt8(ascii: "{") {
            guard case .object(let object)? = try? JSONParser.parse(bytes) else {
                return Outcome(file: name, issuer: "", keyID: nil, status: .malformed, reason: "not valid JSON")
            }
            let issuer = issuerName(object)
            // An embedded proof: Data Integrity proofs are checked; the others are named.
            if object["proof"] != nil {
                let r = DataIntegrityVerifier(contexts: contexts.byURL, keys: keys, lists: lists).verify(object, on: day)
                return Outcome(file: name, issuer: issuer, keyID: r.keyID, status: r.status, reason: r.reason)
            }
            return Outcome(file: name, issuer: issuer, keyID: nil, status: .unsigned, reason: "a JSON credential without a proof")
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let jws: CompactJWS, alg: String, kid: String?
        switch CompactJWS.screen(text) {
        case .success(let screened): (jws, alg, kid) = screened
        case .failure(let rejection):
            // The issuer, when the payload could be read, names whose token it was.
            let issuer = rejection.payload.map(Self.issuer(of:)) ?? ""
            return Outcome(file: name, issuer: issuer, keyID: rejection.keyID, status: rejection.status, reason: rejection.reason)
        }
        let payload = jws.payload
        let vc = Self.vc(of: payload)
        let issuer = Self.issuer(of: payload)
        func outcome(_ status: VerificationStatus, _ reason: String, key: String? = kid) -> Outcome {
            Outcome(file: name, issuer: issuer, keyID: key, status: status, reason: reason)
        }
        // Which given keys the token names: its kid, or an Open Badges 2.0 verification.creator.
        var creator: String?
        if case .object(let verification)? = payload["verification"], case .string(let c)? = verification["creator"] { creator = c }
        var named = keys.filter { k in (kid != nil && k.kid == kid) || (creator != nil && k.id == creator) }
        if kid == nil, creator == nil { named = keys }
        let usable = named.filter { $0.key.accepts(alg) }
        if let good = usable.first(where: { $0.key.isValidSignature(jws.signature, for: jws.signingInput) }) {
            return checkClaims(payload, vc: vc, lists: lists, on: day, outcome: { outcome($0, $1, key: kid ?? good.id ?? good.source) })
        }
        // A key carried in the token proves only that whoever made the token holds it.
        if case .object(let embedded)? = jws.header["jwk"], let key = try? PublicKey(jwk: embedded), key.accepts(alg) {
            if key.isValidSignature(jws.signature, for: jws.signingInput) {
                return outcome(.untrustedKey, "the signature is good, but by a key carried in the token; give the issuer's key with --key")
            }
            return outcome(.tampered, "the signature does not match the content")
        }
        if !usable.isEmpty { return outcome(.tampered, "the signature does not match the content") }
        let wanted = kid.map { "key \($0)" } ?? creator.map { "key \($0)" } ?? "an \(alg) key"
        return outcome(.unknownKey, "no key given matches \(wanted); give the issuer's key with --key")
    }

    private static func checkClaims(_ payload: JSONObject, vc: JSONObject, lists: StatusLists, on day: Day,
                                    outcome: (VerificationStatus, String) -> Outcome) -> Outcome {
        func string(_ v: JSONValue?) -> String? { if case .string(let s)? = v { s } else { nil } }
        // A token that names no status list is looked up in the revocation lists by its ids.
        if vc["credentialStatus"] == nil {
            for id in [string(payload["jti"]), string(vc["id"]), string(payload["id"])].compactMap({ $0 }) {
                if let list = lists.revocationList(naming: id) { return outcome(.revoked, "\(id) is on the revocation list \(list)") }
            }
        }
        var note = ""
        switch lists.check(vc) {
        case .refuted(let status, let reason): return outcome(status, reason)
        case .clear(let unchecked, let standIns): note = StatusLists.note(unchecked: unchecked, standIns: standIns)
        }
        if let from = Day(claim: payload["nbf"]) ?? Day(claim: vc["validFrom"]) ?? Day(claim: vc["issuanceDate"]) ?? Day(claim: payload["issuedOn"]), day < from {
            return outcome(.notYetValid, "valid from \(from)")
        }
        if let until = Day(claim: payload["exp"]) ?? Day(claim: vc["validUntil"]) ?? Day(claim: vc["expirationDate"]) ?? Day(claim: payload["expires"]), day >= until {
            return outcome(.expired, "expired on \(until)")
        }
        return outcome(.valid, "the signature verifies with the key given" + note)
    }

    /// A VC-JWT's credential: its `vc` claim, or the payload itself.
    private static func vc(of payload: JSONObject) -> JSONObject {
        if case .object(let o)? = payload["vc"] { o } else { payload }
    }

    /// The issuer a token's credential names, else the token's own claims.
    private static func issuer(of payload: JSONObject) -> String {
        let named = issuerName(vc(of: payload))
        return named.isEmpty ? issuerName(payload) : named
    }

    private static func issuerName(_ object: JSONObject) -> String {
        switch object["issuer"] {
        case .string(let s)?: return s
        case .object(let o)?:
            if case .string(let n)? = o["name"] { return n }
            if case .string(let i)? = o["id"] { return i }
        default: break
        }
        if case .string(let iss)? = object["iss"] { return iss }
        if case .string(let badge)? = object["badge"] { return badge }
        return ""
    }
}
