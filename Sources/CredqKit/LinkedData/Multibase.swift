/// Multibase strings and the multicodec prefixes Data Integrity keys carry: base58btc (`z...`)
/// and base64url without padding (`u...`); an Ed25519 public key is `0xed 0x01` then its 32
/// bytes, a private key `0x80 0x26` then its 32 bytes.
enum Multibase {
    private static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    /// The bytes of a multibase string, or nil when its base is not one credq reads or it is
    /// not well formed.
    static func decode(_ text: String) -> [UInt8]? {
        guard let first = text.unicodeScalars.first else { return nil }
        let rest = String(text.unicodeScalars.dropFirst())
        switch first {
        case "z": return base58btc(rest)
        case "u": return Base64URL.decode(Substring(rest))
        default: return nil
        }
    }

    static func base58btc(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []  // little-endian base-256 number
        var zeros = 0
        var leading = true
        for c in text.utf8 {
            guard c < 128, values[Int(c)] >= 0 else { return nil }
            if leading, c == alphabet[0] { zeros += 1; continue }
            leading = false
            var carry = Int(values[Int(c)])
            for i in bytes.indices {
                carry += Int(bytes[i]) * 58
                bytes[i] = UInt8(carry & 0xff)
                carry >>= 8
            }
            while carry > 0 {
                bytes.append(UInt8(carry & 0xff))
                carry >>= 8
            }
        }
        return [UInt8](repeating: 0, count: zeros) + bytes.reversed()
    }

    static func base58btcEncode(_ data: [UInt8]) -> String {
        var digits: [UInt8] = []  // little-endian base-58
        for byte in data {
            var carry = Int(byte)
            for i in digits.indices {
                carry += Int(digits[i]) << 8
                digits[i] = UInt8(carry % 58)
                carry /= 58
            }
            while carry > 0 {
                digits.append(UInt8(carry % 58))
                carry /= 58
            }
        }
        let zeros = data.prefix { $0 == 0 }.count
        return "z" + String(repeating: "1", count: zeros) + String(decoding: digits.reversed().map { alphabet[Int($0)] }, as: UTF8.self)
    }

    static let ed25519PublicPrefix: [UInt8] = [0xED, 0x01]
    static let ed25519PrivatePrefix: [UInt8] = [0x80, 0x26]

    /// The Ed25519 public key a Multikey (`z6Mk...`) holds.
    static func ed25519PublicKey(_ multikey: String) -> [UInt8]? {
        // 34 bytes are at most 48 base58 characters; longer text is not one (and base58 is
        // quadratic in its length, so a hostile one is never decoded).
        guard multikey.utf8.count <= 64, let bytes = decode(multikey), bytes.count == 34, Array(bytes.prefix(2)) == ed25519PublicPrefix else { return nil }
        return Array(bytes.dropFirst(2))
    }

    /// The Ed25519 public key of a `did:key` (or one of its verification method URLs,
    /// `did:key:z6Mk...#z6Mk...`): the key is the DID itself, so it resolves offline.
    static func didKeyEd25519(_ did: String) -> [UInt8]? {
        guard did.hasPrefix("did:key:") else { return nil }
        let id = did.dropFirst("did:key:".count).split(separator: "#", omittingEmptySubsequences: false)
        guard let key = id.first, let bytes = ed25519PublicKey(String(key)) else { return nil }
        // A fragment, when there is one, must name the same key.
        if id.count > 1, id[1] != key { return nil }
        return bytes
    }
}
