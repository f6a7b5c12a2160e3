/// The status lists a credential's `credentialStatus` points at, given as files instead of
/// fetched: W3C Bitstring Status Lists (`BitstringStatusListEntry`, and the older
/// `StatusList2021Entry`) found by the URL of their list credential, and revocation lists
/// (1EdTech's `1EdTechRevocationList`, Open Badges 2.0's `RevocationList`) that name revoked
/// credentials by id.
public struct StatusLists: Sendable {
    /// A decoded bitstring list: its purposes and its bits, most significant bit first.
    struct Bitstring: Sendable {
        var url: String
        var purposes: [String]
        var bits: [UInt8]
        var entries: Int { bits.count * 8 }
    }

    private(set) var bitstrings: [String: Bitstring] = [:]
    /// Revocation lists, by URL (or id, or file name): the ids each names as revoked.
    private(set) var revocationLists: [String: Set<String>] = [:]
    /// The lists given without a URL (`--status-list FILE`), by their id: one that is the only
    /// list of its kind given stands for a URL no list was given for.
    private(set) var unaddressed: Set<String> = []

    public init() {}

    /// The fewest entries a Bitstring Status List may have (131,072: 16 KiB of one-bit entries).
    static let minimumEntries = 131_072
    /// The most a list may expand to (a hostile GZIP stops here).
    static let maximumBytes = 64 << 20

    public enum ListError: Error, Sendable, CustomStringConvertible {
        case notAList(String, String)
        public var description: String {
            switch self { case .notAList(let file, let why): "\(file): not a status list: \(why)" }
        }
    }

    /// Adds a list file: a Bitstring Status List credential (found under `url`, else its own
    /// `id`) or a revocation list. A list whose own proof is refuted is refused.
    public mutating func add(_ bytes: [UInt8], name: String, url: String?, keys: [CredentialFiles.Key], on day: Day) throws(ListError) {
        guard case .object(let object)? = try? JSONParser.parse(bytes) else { throw .notAList(name, "not a JSON object") }
        func string(_ v: JSONValue?) -> String? { if case .string(let s)? = v { s } else { nil } }
        if let ids = Self.revocationEntries(object) {
            let key = url ?? string(object["id"]) ?? name
            revocationLists[key, default: []].formUnion(ids)
            if url == nil { unaddressed.insert(key) }
            return
        }
        guard case .object(let subject)? = object["credentialSubject"], let encoded = string(subject["encodedList"]) else {
            throw .notAList(name, "neither a Bitstring Status List credential (credentialSubject.encodedList) nor a revocation list")
        }
        guard let listURL = url ?? string(object["id"]) else {
            throw .notAList(name, "the list credential has no id; give its URL as --status-list URL=\(name)")
        }
        if object["proof"] != nil {
            let outcome = DataIntegrityVerifier(keys: keys).verify(object, on: day)
            if Trust.refuting.contains(outcome.status) {
                throw .notAList(name, "its own proof is \(outcome.status.rawValue): \(outcome.reason)")
            }
        }
        let purposes: [String] = switch subject["statusPurpose"] {
        case .string(let s)?: [s]
        case .array(let items)?: items.compactMap { if case .string(let s) = $0 { s } else { nil } }
        default: []
        }
        // Bitstring Status Lists are multibase (`u` base64url); StatusList2021 is base64url alone
        // (some lists are written in standard base64, with padding: read as well).
        let text = (encoded.hasPrefix("u") ? String(encoded.dropFirst()) : encoded)
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let compressed = Base64URL.decode(text[...])
        guard let compressed else { throw .notAList(name, "its encodedList is not base64url") }
        let bits: [UInt8]
        do {
            bits = try Gzip.decompress(compressed, limit: Self.maximumBytes)
        } catch {
            throw .notAList(name, "its encodedList is not a GZIP bitstring: \(error)")
        }
        guard bits.count * 8 >= Self.minimumEntries else {
            throw .notAList(name, "its list has \(bits.count * 8) entries, fewer than the \(Self.minimumEntries) a status list must have")
        }
        bitstrings[listURL] = Bitstring(url: listURL, purposes: purposes, bits: bits)
        if url == nil { unaddressed.insert(listURL) }
    }

    /// The bitstring list for a URL a credential names: the one given for it (or with it as
    /// its id), else the only list of that purpose given without a URL, which then stands
    /// for it (said in the reason).
    func bitstring(for url: String, purpose: String) -> (list: Bitstring, standsIn: Bool)? {
        if let list = bitstrings[url] { return (list, false) }
        let candidates = bitstrings.values.filter { unaddressed.contains($0.url) && $0.purposes.contains { $0.lowercased() == purpose } }
        return candidates.count == 1 ? (candidates[0], true) : nil
    }

    /// The revocation list for a URL a credential names, in the same way.
    func revocationList(for url: String) -> (name: String, ids: Set<String>, standsIn: Bool)? {
        if let ids = revocationLists[url] { return (url, ids, false) }
        let candidates = revocationLists.filter { unaddressed.contains($0.key) }
        return candidates.count == 1 ? (candidates.first!.key, candidates.first!.value, true) : nil
    }

    /// The ids a revocation list names as revoked: Open Badges 2.0 `revokedAssertions`,
    /// 1EdTech `revokedCredential` (or `revokedCredentials`), as strings or objects with an `id`
    /// (an object whose `revoked` is false is not revoked); nil when it is not one.
    static func revocationEntries(_ object: JSONObject) -> [String]? {
        var ids: [String]?
        for key in ["revokedAssertions", "revokedCredential", "revokedCredentials", "revoked"] {
            guard case .array(let list)? = object[key] else { continue }
            ids = ids ?? []
            for item in list {
                switch item {
                case .string(let s): ids?.append(s)
                case .object(let o):
                    if case .bool(false)? = o["revoked"] { continue }
                    if case .string(let s)? = o["id"] { ids?.append(s) }
                default: break
                }
            }
        }
        return ids
    }

    /// What the lists say of a credential.
    enum Finding: Equatable {
        /// Revoked or suspended, or an entry the list cannot answer (a wrong purpose, an index
        /// past its end): the status and the reason.
        case refuted(VerificationStatus, String)
        /// Nothing against it; the URLs of lists it names that were not given, and the lists
        /// that stood in for others (`list for URL`).
        case clear(unchecked: [String], standIns: [String] = [])
    }

    /// The revocation list that names `id`, when the credential names no list of its own.
    func revocationList(naming id: String) -> String? {
        revocationLists.keys.sorted().first { revocationLists[$0]!.contains(id) }
    }

    /// Checks a credential (its JSON, with `id` and `credentialStatus`) against the lists. A
    /// credential that names its lists is checked against those alone; one that names none
    /// (an Open Badges 2.0 assertion) against every revocation list, by its id.
    func check(_ credential: JSONObject) -> Finding {
        func string(_ v: JSONValue?) -> String? { if case .string(let s)? = v { s } else { nil } }
        let id = string(credential["id"])
        let entries: [JSONObject] = switch credential["credentialStatus"] {
        case .object(let o)?: [o]
        case .array(let items)?: items.compactMap { if case .object(let o) = $0 { o } else { nil } }
        default: []
        }
        if entries.isEmpty, let id, let list = revocationList(naming: id) {
            return .refuted(.revoked, "\(id) is on the revocation list \(list)")
        }
        var unchecked: [String] = [], standIns: [String] = []
        for entry in entries {
            let type: [String] = switch entry["type"] {
            case .string(let s)?: [s]
            case .array(let items)?: items.compactMap { if case .string(let s) = $0 { s } else { nil } }
            default: []
            }
            if type.contains("1EdTechRevocationList") {
                guard let url = string(entry["id"]) else { continue }
                guard let found = revocationList(for: url) else {
                    unchecked.append(url)
                    continue
                }
                let standIn = found.standsIn ? " (the only revocation list given, taken for \(url))" : ""
                if found.standsIn { standIns.append("\(found.name) for \(url)") }
                if let id, found.ids.contains(id) { return .refuted(.revoked, "\(id) is on the revocation list \(found.name)\(standIn)") }
                continue
            }
            guard type.contains("BitstringStatusListEntry") || type.contains("StatusList2021Entry") else { continue }
            let purpose = (string(entry["statusPurpose"]) ?? "").lowercased()
            guard purpose == "revocation" || purpose == "suspension" else { continue }
            guard let url = string(entry["statusListCredential"]) else {
                return .refuted(.malformed, "its \(purpose) status entry names no statusListCredential")
            }
            guard let (list, standsIn) = bitstring(for: url, purpose: purpose) else {
                unchecked.append(url)
                continue
            }
            let standIn = standsIn ? " (the only \(purpose) list given, taken for \(url))" : ""
            if standsIn { standIns.append("\(list.url) for \(url)") }
            let index: Int? = switch entry["statusListIndex"] {
            case .string(let s)?: Int(s)
            case .number(let n)?: Int(exactly: n)
            default: nil
            }
            let size: Int? = switch entry["statusSize"] {
            case nil: 1
            case .number(let n)?: Int(exactly: n)
            case .string(let s)?: Int(s)
            default: nil
            }
            guard let index, index >= 0, let size, size == 1 else {
                return .refuted(.malformed, "its \(purpose) status entry has no usable statusListIndex (a whole number) or a statusSize other than 1")
            }
            guard list.purposes.contains(where: { $0.lowercased() == purpose }) else {
                return .refuted(.malformed, "its \(purpose) status is at \(url), but the list given for it is for \(list.purposes.joined(separator: ", "))")
            }
            guard index < list.entries else {
                return .refuted(.malformed, "its \(purpose) status index \(index) is past the end of \(list.url)\(standIn) (\(list.entries) entries)")
            }
            if list.bits[index / 8] & (0x80 >> UInt8(index % 8)) != 0 {
                let status: VerificationStatus = purpose == "revocation" ? .revoked : .suspended
                return .refuted(status, "\(status.rawValue): entry \(index) of the status list \(list.url)\(standIn) is set")
            }
        }
        return .clear(unchecked: unchecked, standIns: standIns)
    }

    /// A remark for a reason: the lists a credential names that were not given, and those
    /// that stood in for them.
    static func note(unchecked: [String], standIns: [String] = []) -> String {
        (standIns.isEmpty ? "" : "; checked in \(standIns.joined(separator: ", ")), the only list of its kind given")
            + (unchecked.isEmpty ? "" : "; its status at \(unchecked.joined(separator: ", ")) was not checked (give the list with --status-list URL=FILE)")
    }
}
