import Crypto
import Foundation
import Testing
@testable import CredqKit

/// The GZIP reader against files Python's zlib wrote (Tests/Fixtures/gzip, made by
/// scripts/make-gzip-fixtures.py), and against damage.
@Suite struct GzipTests {
    static let folder = Support.root.appendingPathComponent("Tests/Fixtures/gzip")

    static func bytes(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: folder.appendingPathComponent(file)))
    }

    static let expected: [(file: String, length: Int, sha256: String)] = {
        let text = try! String(contentsOf: folder.appendingPathComponent("expected.tsv"), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let f = line.split(separator: "\t").map(String.init)
            return (f[0], Int(f[1])!, f[2])
        }
    }()

    @Test func everyFileZlibWroteReadsBack() throws {
        #expect(Self.expected.count == 16)
        for (file, length, sha) in Self.expected {
            let out = try Gzip.decompress(try Self.bytes(file), limit: 1 << 20)
            #expect(out.count == length, "\(file)")
            #expect(DataIntegrityTests.hex(Array(SHA256.hash(data: out))) == sha, "\(file)")
        }
    }

    @Test func damagedDataIsAnErrorNeverACrash() throws {
        let text = try Self.bytes("text-9.gz"), original = try Gzip.decompress(text, limit: 1 << 20)
        // Every prefix.
        for n in 0..<text.count {
            #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Array(text.prefix(n)), limit: 1 << 20) }
        }
        // Every byte changed: an error, or (where the change is in a field nothing checks,
        // such as the header's time) the same bytes.
        for i in text.indices {
            var changed = text
            changed[i] ^= 0x5a
            if let out = try? Gzip.decompress(changed, limit: 1 << 20) { #expect(out == original, "byte \(i)") }
        }
        #expect(throws: Gzip.Failure.notGzip) { try Gzip.decompress(Array("not gzip at all, not at all".utf8), limit: 100) }
        // A ceiling on what it expands to.
        #expect(throws: Gzip.Failure.tooLarge(1000)) { try Gzip.decompress(text, limit: 1000) }
        #expect(throws: Gzip.Failure.tooLarge(1000)) { try Gzip.decompress(try Self.bytes("text-0.gz"), limit: 1000) }
    }
}

/// A Data Integrity signer for the tests: Ed25519 over credq's canonical form, with keys made
/// from fixed seeds. Documents signed here are checked for every status credq gives, and the
/// command line's fixtures (Tests/Fixtures/verify/di) are written from them with CREDQ_RECORD=1.
struct TestSigner {
    let key: Curve25519.Signing.PrivateKey
    let method: String

    init(seed: String, method: String? = nil) {
        key = try! Curve25519.Signing.PrivateKey(rawRepresentation: Array(SHA256.hash(data: Array(seed.utf8))))
        let multikey = Multibase.base58btcEncode(Multibase.ed25519PublicPrefix + Array(key.publicKey.rawRepresentation))
        self.method = method ?? "did:key:\(multikey)#\(multikey)"
    }

    var multikey: String { Multibase.base58btcEncode(Multibase.ed25519PublicPrefix + Array(key.publicKey.rawRepresentation)) }

    /// The document with one more proof: a set when it already has one, a chain link when
    /// `previous` names the proof it follows.
    func sign(_ document: JSONObject, type: String = "DataIntegrityProof", id: String? = nil, previous: String? = nil,
              expires: String? = nil, contexts: [String: JSONValue] = [:]) throws -> JSONObject {
        var unsecured = document
        var existing: [JSONValue] = []
        switch document["proof"] {
        case .object(let p)?: existing = [.object(p)]
        case .array(let a)?: existing = a
        default: break
        }
        unsecured.members.removeAll { $0.key == "proof" }
        var signed = unsecured
        if let previous {
            signed.members.append(("proof", .array(existing.filter { if case .object(let p) = $0, case .string(previous)? = p["id"] { true } else { false } })))
        }
        var config = JSONObject(members: [("@context", document["@context"]!)])
        if let id { config.members.append(("id", .string(id))) }
        config.members.append(("type", .string(type)))
        if type == "DataIntegrityProof" { config.members.append(("cryptosuite", .string("eddsa-rdfc-2022"))) }
        config.members += [("created", .string("2026-01-01T00:00:00Z")), ("verificationMethod", .string(method)),
                           ("proofPurpose", .string("assertionMethod"))]
        if let previous { config.members.append(("previousProof", .string(previous))) }
        if let expires { config.members.append(("expires", .string(expires))) }
        let processor = JSONLD(loader: DataIntegrityVerifier(contexts: contexts).loader())
        let input = try DataIntegrity.input(document: try processor.toRDF(.object(signed)), proofConfiguration: try processor.toRDF(.object(config)))
        var proof = config
        proof.members.removeFirst()
        proof.members.append(("proofValue", .string(Multibase.base58btcEncode(Array(try key.signature(for: input.signed))))))
        let proofs = existing + [.object(proof)]
        unsecured.members.append(("proof", proofs.count == 1 ? proofs[0] : .array(proofs)))
        return unsecured
    }
}

/// Credentials signed for every status `credq verify` gives, with the issuer's key from a
/// controller document, Bitstring Status Lists for revocation and suspension, a 1EdTech
/// revocation list and a context given as a file.
@Suite struct StatusListTests {
    static let day = Day("2026-11-30")!
    static let issuerID = "https://issuer.example/profiles/1"
    static let issuer = TestSigner(seed: "credq test issuer", method: issuerID + "#key-1")
    static let stranger = TestSigner(seed: "someone else", method: issuerID + "#key-1")
    static let witness = TestSigner(seed: "a witness")
    static let extraContextURL = "https://issuer.example/contexts/extra/v1"
    static let extraContext: JSONValue = .object(JSONObject(members: [("@context", .object(JSONObject(members: [
        ("@version", .number(1.1)), ("extraCredit", .string("https://issuer.example/vocab#extraCredit")),
    ])))]))

    static func string(_ s: String) -> JSONValue { .string(s) }
    static func object(_ members: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(members: members)) }

    /// The issuer's profile, a controller document naming its key.
    static var controllerDocument: JSONObject {
        JSONObject(members: [
            ("@context", .array([string("https://www.w3.org/ns/did/v1"), string("https://w3id.org/security/multikey/v1")])),
            ("id", string(issuerID)),
            ("verificationMethod", .array([object([("id", string(issuer.method)), ("type", string("Multikey")),
                                                   ("controller", string(issuerID)), ("publicKeyMultibase", string(issuer.multikey))])])),
        ])
    }

    /// A GZIP file of stored blocks (what a status list needs, without a compressor).
    static func storedGzip(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]
        var chunks = stride(from: 0, to: data.count, by: 65535).map { data[$0..<min($0 + 65535, data.count)] }
        if chunks.isEmpty { chunks = [[]] }
        for (i, chunk) in chunks.enumerated() {
            out.append(i == chunks.count - 1 ? 1 : 0)
            let n = UInt16(chunk.count)
            out += [UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8(~n >> 8)]
            out += chunk
        }
        let crc = Gzip.crc32(data), size = UInt32(data.count)
        for v in [crc, size] { out += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
        return out
    }

    /// A Bitstring Status List credential with the given entries set, signed by the issuer.
    /// The same in the older StatusList2021 form (VC 1.1, base64url without a multibase prefix).
    static func statusList(_ purpose: String, set: [Int], form2021: Bool = false) throws -> JSONObject {
        var bits = [UInt8](repeating: 0, count: StatusLists.minimumEntries / 8)
        for i in set { bits[i / 8] |= 0x80 >> UInt8(i % 8) }
        let encoded = Base64URL.encode(storedGzip(bits))
        let name = form2021 ? "2021-\(purpose)" : purpose
        let list = JSONObject(members: [
            ("@context", .array(form2021 ? [string("https://www.w3.org/2018/credentials/v1"), string("https://w3id.org/vc/status-list/2021/v1"),
                                            string("https://w3id.org/security/data-integrity/v2")]
                                         : [string("https://www.w3.org/ns/credentials/v2")])),
            ("id", string("https://issuer.example/status/\(name)")),
            ("type", .array([string("VerifiableCredential"), string(form2021 ? "StatusList2021Credential" : "BitstringStatusListCredential")])),
            ("issuer", string(issuerID)), (form2021 ? "issuanceDate" : "validFrom", string("2026-01-01T00:00:00Z")),
            ("credentialSubject", object([("id", string("https://issuer.example/status/\(name)#list")),
                                          ("type", string(form2021 ? "StatusList2021" : "BitstringStatusList")),
                                          ("statusPurpose", string(purpose)), ("encodedList", string(form2021 ? encoded : "u" + encoded))])),
        ])
        return try issuer.sign(list)
    }

    static let revocationsURL = "https://issuer.example/revocations"
    static var oneEdTechList: JSONObject {
        JSONObject(members: [("id", string(revocationsURL)), ("issuer", string(issuerID)),
                             ("revokedCredential", .array([object([("id", string("urn:uuid:revoked-by-1edtech")), ("revoked", .bool(true))])]))])
    }

    /// An Open Badges 3.0 credential, unsigned.
    static func credential(_ name: String, validFrom: String = "2026-01-01T00:00:00Z", validUntil: String? = nil,
                           status: [JSONValue] = [], context extra: [String] = []) -> JSONObject {
        var doc = JSONObject(members: [
            ("@context", .array(([ "https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"] + extra).map(string))),
            ("id", string("urn:uuid:\(name)")),
            ("type", .array([string("VerifiableCredential"), string("OpenBadgeCredential")])),
            ("name", string("Teamwork")),
            ("issuer", object([("id", string(issuerID)), ("type", .array([string("Profile")])), ("name", string("Example Institute"))])),
            ("validFrom", string(validFrom)),
        ])
        if let validUntil { doc.members.append(("validUntil", string(validUntil))) }
        doc.members.append(("credentialSubject", object([
            ("id", string("did:example:learner")), ("type", .array([string("AchievementSubject")])),
            ("achievement", object([("id", string("https://issuer.example/achievements/teamwork")), ("type", .array([string("Achievement")])),
                                    ("name", string("Teamwork")), ("criteria", object([("narrative", string("Works well with others."))]))])),
        ])))
        if !status.isEmpty { doc.members.append(("credentialStatus", status.count == 1 ? status[0] : .array(status))) }
        return doc
    }

    static func entry(_ purpose: String, _ index: Int) -> JSONValue {
        object([("id", string("https://issuer.example/status/\(purpose)#\(index)")), ("type", string("BitstringStatusListEntry")),
                ("statusPurpose", string(purpose)), ("statusListIndex", string(String(index))),
                ("statusListCredential", string("https://issuer.example/status/\(purpose)"))])
    }

    /// Every fixture: file name, document, status with the issuer's key and lists given.
    static func fixtures() throws -> [(String, JSONObject, VerificationStatus)] {
        let clear = [entry("revocation", 3), entry("suspension", 3)]
        let valid = try issuer.sign(credential("valid", status: clear))
        var tampered = valid
        tampered.set("name", string("Leadership"))
        var ed2020 = credential("ed25519-2020")
        ed2020.set("@context", .array([string("https://www.w3.org/2018/credentials/v1"), string("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"),
                                       string("https://w3id.org/security/suites/ed25519-2020/v1")]))
        ed2020.members.removeAll { $0.key == "validFrom" }
        ed2020.members.insert(("issuanceDate", string("2026-01-01T00:00:00Z")), at: 5)
        // A VC 1.1 credential with a StatusList2021Entry, under Data Integrity v2.
        var v1 = credential("revoked-statuslist2021")
        v1.set("@context", .array([string("https://www.w3.org/2018/credentials/v1"), string("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"),
                                   string("https://w3id.org/vc/status-list/2021/v1"), string("https://w3id.org/security/data-integrity/v2")]))
        v1.members.removeAll { $0.key == "validFrom" }
        v1.members.insert(("issuanceDate", string("2026-01-01T00:00:00Z")), at: 5)
        v1.members.append(("credentialStatus", object([("id", string("https://issuer.example/status/2021-revocation#5")), ("type", string("StatusList2021Entry")),
                                                        ("statusPurpose", string("revocation")), ("statusListIndex", string("5")),
                                                        ("statusListCredential", string("https://issuer.example/status/2021-revocation"))])))
        // Issued by a did:key, which is its own key.
        var selfIssued = credential("self-issued")
        selfIssued.set("issuer", object([("id", string(String(witness.method.split(separator: "#")[0]))), ("type", .array([string("Profile")])),
                                         ("name", string("A Self-Issuer"))]))
        var brokenChain = try witness.sign(try issuer.sign(credential("broken-chain"), id: "urn:uuid:proof-1"), previous: "urn:uuid:proof-1")
        if case .array(var proofs)? = brokenChain["proof"], case .object(var first) = proofs[0] {
            first.set("created", string("2026-02-01T00:00:00Z"))
            proofs[0] = .object(first)
            brokenChain.set("proof", .array(proofs))
        }
        return [
            ("valid.json", valid, .valid),
            ("tampered.json", tampered, .tampered),
            ("wrong-key.json", try stranger.sign(credential("wrong-key")), .tampered),
            ("expired.json", try issuer.sign(credential("expired", validUntil: "2026-06-01T00:00:00Z")), .expired),
            ("not-yet-valid.json", try issuer.sign(credential("not-yet-valid", validFrom: "2027-01-01T00:00:00Z")), .notYetValid),
            ("revoked-bitstring.json", try issuer.sign(credential("revoked-bitstring", status: [entry("revocation", 7), entry("suspension", 7)])), .revoked),
            ("suspended.json", try issuer.sign(credential("suspended", status: [entry("revocation", 9), entry("suspension", 9)])), .suspended),
            ("revoked-1edtech.json", try issuer.sign(credential("revoked-by-1edtech", status: [object([("id", string(revocationsURL)), ("type", string("1EdTechRevocationList"))])])), .revoked),
            ("unknown-context.json", try issuer.sign({ var c = credential("unknown-context", context: [extraContextURL]); c.set("extraCredit", string("yes")); return c }(),
                                                     contexts: [extraContextURL: extraContext]), .valid),
            ("proof-set.json", try witness.sign(try issuer.sign(credential("proof-set"))), .valid),
            ("proof-chain.json", try witness.sign(try issuer.sign(credential("proof-chain"), id: "urn:uuid:proof-1"), previous: "urn:uuid:proof-1"), .valid),
            ("broken-chain.json", brokenChain, .tampered),
            ("ed25519-2020.json", try issuer.sign(ed2020, type: "Ed25519Signature2020"), .valid),
            ("revoked-statuslist2021.json", try issuer.sign(v1), .revoked),
            ("self-issued.json", try witness.sign(selfIssued), .valid),
        ]
    }

    static func lists() throws -> StatusLists {
        var lists = StatusLists()
        let keys = try CredentialFiles.keys(from: Array(JSONValue.object(controllerDocument).serialized().utf8), name: "issuer.json")
        for list in [try statusList("revocation", set: [7]), try statusList("suspension", set: [9]), try statusList("revocation", set: [5], form2021: true), oneEdTechList] {
            try lists.add(Array(JSONValue.object(list).serialized().utf8), name: "list.json", url: nil, keys: keys, on: day)
        }
        return lists
    }

    @Test func everyStatusWithTheIssuersKeyAndLists() throws {
        let keys = try CredentialFiles.keys(from: Array(JSONValue.object(Self.controllerDocument).serialized().utf8), name: "issuer.json")
        #expect(keys.count == 1 && keys[0].id == Self.issuer.method && keys[0].controller == Self.issuerID)
        let verifier = DataIntegrityVerifier(contexts: [Self.extraContextURL: Self.extraContext], keys: keys, lists: try Self.lists())
        for (file, document, expected) in try Self.fixtures() {
            let r = verifier.verify(document, on: Self.day)
            #expect(r.status == expected, "\(file): \(r.reason)")
        }
        if ProcessInfo.processInfo.environment["CREDQ_RECORD"] != nil { try Self.record() }
    }

    @Test func withoutTheKeyListsOrContext() throws {
        let bare = DataIntegrityVerifier()
        let byName = Dictionary(uniqueKeysWithValues: try Self.fixtures().map { ($0.0, $0.1) })
        // The issuer's key is named only by an opaque URL: nothing to check it with.
        let valid = bare.verify(byName["valid.json"]!, on: Self.day)
        #expect(valid.status == .unknownKey && valid.reason == "no key for \(Self.issuer.method) (give the issuer's key with --key)")
        // A context credq does not have is named; the lists not given are said so.
        let context = bare.verify(byName["unknown-context.json"]!, on: Self.day)
        #expect(context.status == .unsupported && context.reason.contains(Self.extraContextURL))
        let keys = try CredentialFiles.keys(from: Array(JSONValue.object(Self.controllerDocument).serialized().utf8), name: "issuer.json")
        let unlisted = DataIntegrityVerifier(keys: keys).verify(byName["revoked-bitstring.json"]!, on: Self.day)
        #expect(unlisted.status == .valid)
        #expect(unlisted.reason.hasSuffix("; its status at https://issuer.example/status/revocation, https://issuer.example/status/suspension was not checked (give the list with --status-list URL=FILE)"))
        // The witness's did:key alone holds, but is not the issuer's: untrusted-key.
        #expect(bare.verify(byName["proof-chain.json"]!, on: Self.day).status == .unknownKey)
        let witnessOnly = try Self.witness.sign(Self.credential("witness-only"))
        #expect(bare.verify(witnessOnly, on: Self.day).status == .untrustedKey)
        // A key given from another controller's document does not speak for this issuer.
        var other = Self.controllerDocument
        other.set("id", Self.string("https://other.example"))
        other.set("verificationMethod", .array([Self.object([("id", Self.string("https://other.example#k")), ("type", Self.string("Multikey")),
                                                              ("controller", Self.string("https://other.example")), ("publicKeyMultibase", Self.string(Self.witness.multikey))])]))
        let otherKeys = try CredentialFiles.keys(from: Array(JSONValue.object(other).serialized().utf8), name: "other.json")
        let signedByOther = try TestSigner(seed: "a witness", method: "https://other.example#k").sign(Self.credential("other"))
        let r = DataIntegrityVerifier(keys: otherKeys).verify(signedByOther, on: Self.day)
        #expect(r.status == .untrustedKey && r.reason.contains("which is not the issuer \(Self.issuerID)"), "\(r.reason)")
    }

    @Test func listsThatCannotBeUsed() throws {
        let keys = try CredentialFiles.keys(from: Array(JSONValue.object(Self.controllerDocument).serialized().utf8), name: "issuer.json")
        var lists = StatusLists()
        // A list whose own proof fails is refused.
        var edited = try Self.statusList("revocation", set: [7])
        if case .object(var subject)? = edited["credentialSubject"] {
            subject.set("statusPurpose", Self.string("suspension"))
            edited.set("credentialSubject", .object(subject))
        }
        #expect(throws: StatusLists.ListError.self) {
            try lists.add(Array(JSONValue.object(edited).serialized().utf8), name: "edited.json", url: nil, keys: keys, on: Self.day)
        }
        // Too short a list, and one that is not GZIP.
        var short = try Self.statusList("revocation", set: [])
        if case .object(var subject)? = short["credentialSubject"] {
            subject.set("encodedList", Self.string("u" + Base64URL.encode(Self.storedGzip([0, 0, 0]))))
            short.set("credentialSubject", .object(subject))
            short.members.removeAll { $0.key == "proof" }
        }
        #expect(throws: StatusLists.ListError.self) { try lists.add(Array(JSONValue.object(short).serialized().utf8), name: "s", url: nil, keys: [], on: Self.day) }
        // A list given for a URL answers for that URL; an index past its end, or a list of the
        // other purpose, is malformed, never clear.
        try lists.add(Array(JSONValue.object(try Self.statusList("suspension", set: [])).serialized().utf8), name: "s.json",
                      url: "https://issuer.example/status/revocation", keys: keys, on: Self.day)
        let wrongPurpose = lists.check(Self.credential("x", status: [Self.entry("revocation", 1)]))
        #expect(wrongPurpose == .refuted(.malformed, "its revocation status is at https://issuer.example/status/revocation, but the list given for it is for suspension"))
        let far = lists.check(Self.credential("x", status: [Self.entry("suspension", 1)]))
        #expect(far == .clear(unchecked: ["https://issuer.example/status/suspension"]))
        var past = StatusLists()
        try past.add(Array(JSONValue.object(try Self.statusList("revocation", set: [])).serialized().utf8), name: "r.json", url: nil, keys: keys, on: Self.day)
        #expect(past.check(Self.credential("x", status: [Self.entry("revocation", StatusLists.minimumEntries)]))
                == .refuted(.malformed, "its revocation status index 131072 is past the end of https://issuer.example/status/revocation (131072 entries)"))
        #expect(past.check(Self.credential("x", status: [Self.entry("revocation", StatusLists.minimumEntries - 1)])) == .clear(unchecked: []))
    }

    /// 1EdTech's own Bitstring Status List (its validator's `testlist`, compressed by another
    /// implementation) marks entry 23 revoked, as the validator's tests say.
    @Test func theValidatorsStatusList() throws {
        let folder = Support.root.appendingPathComponent("Tests/Fixtures/ob30-validator")
        var lists = StatusLists()
        let url = "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist"
        try lists.add(Array(try Data(contentsOf: folder.appendingPathComponent("bit-string-list-testlist.json"))), name: "testlist", url: url,
                      keys: [CredentialFiles.key(fromText: "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi")!], on: Self.day)
        let set = (0..<StatusLists.minimumEntries).filter { i in
            lists.check(Self.credential("x", status: [Self.object([("type", Self.string("BitstringStatusListEntry")), ("statusPurpose", Self.string("revocation")),
                                                                     ("statusListIndex", .number(Double(i))), ("statusListCredential", Self.string(url))])]))
                != .clear(unchecked: [])
        }
        #expect(set == [23])
        // Given without its URL, it stands in for the URL only while it is the only
        // revocation list given; with a second one, neither does.
        var bare = StatusLists()
        let key = CredentialFiles.key(fromText: "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi")!
        let testlist = Array(try Data(contentsOf: folder.appendingPathComponent("bit-string-list-testlist.json")))
        try bare.add(testlist, name: "testlist", url: nil, keys: [key], on: Self.day)
        let entry = Self.object([("type", Self.string("BitstringStatusListEntry")), ("statusPurpose", Self.string("revocation")),
                                 ("statusListIndex", Self.string("23")), ("statusListCredential", Self.string(url))])
        #expect(bare.check(Self.credential("x", status: [entry]))
                == .refuted(.revoked, "revoked: entry 23 of the status list https://example.com/credentials/status/3 (the only revocation list given, taken for \(url)) is set"))
        try bare.add(Array(JSONValue.object(try Self.statusList("revocation", set: [])).serialized().utf8), name: "other", url: nil, keys: [], on: Self.day)
        #expect(bare.check(Self.credential("x", status: [entry])) == .clear(unchecked: [url]))
    }

    /// Writes the command line's fixtures (CREDQ_RECORD=1).
    static func record() throws {
        let folder = Support.root.appendingPathComponent("Tests/Fixtures/verify/di")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func write(_ name: String, _ value: JSONValue) throws {
            try (value.serialized(indent: 2) + "\n").write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        for (file, document, _) in try fixtures() { try write(file, .object(document)) }
        try write("issuer.json", .object(controllerDocument))
        try write("status-revocation.json", .object(try statusList("revocation", set: [7])))
        try write("status-suspension.json", .object(try statusList("suspension", set: [9])))
        try write("status-2021-revocation.json", .object(try statusList("revocation", set: [5], form2021: true)))
        try write("1edtech-revocations.json", .object(oneEdTechList))
        try write("extra-context.jsonld", extraContext)
    }
}

/// Holdings that carry a signed credential object (what `import openbadges` keeps): the graph's
/// `verify` checks it with the keys its provider publishes, JWKs or Multikeys, and against the
/// holding's own facts; `.save` writes it back as it was.
@Suite struct SignedHoldingTests {
    typealias F = StatusListTests

    static func graph(_ credential: JSONObject, keys: String, issued: String = "2026-01-01", holding: String? = nil,
                      provider: String = F.issuerID) throws -> Graph {
        let proof = JSONValue.object(credential).serialized()
        let id: String = holding ?? { if case .string(let s)? = credential["id"] { s } else { "h1" } }()
        let text = """
            {"credq": 1,
             "organizations": [{"id": "\(provider)", "name": "Example Institute", "kind": "university", "keys": [\(keys)]}],
             "credentials": [{"id": "https://issuer.example/achievements/teamwork", "name": "Teamwork", "kind": "badge", "provider": "\(provider)"}],
             "learners": [{"id": "did:example:learner", "name": "Lee", "holds": [{"id": "\(id)", "credential": "https://issuer.example/achievements/teamwork",
                                                                               "issued": "\(issued)", "proof": \(proof)}]}]}
            """
        return try GraphLoader.load([GraphSource(name: "t.json", bytes: Array(text.utf8))]).graph
    }

    static func status(_ graph: Graph) -> HoldingVerifier.Result {
        HoldingVerifier(graph: graph).verify(learner: 0, holding: graph.learners[0].holdings[0], on: F.day)
    }

    @Test func checkedWithTheProvidersPublishedKeys() throws {
        let byName = Dictionary(uniqueKeysWithValues: try F.fixtures().map { ($0.0, $0.1) })
        let valid = byName["valid.json"]!
        let multikey = "\"\(F.issuer.multikey)\""
        let r = Self.status(try Self.graph(valid, keys: multikey))
        #expect(r.status == .valid && r.reason == "signed by Example Institute (a Data Integrity proof)", "\(r.reason)")
        // The same key as a JWK.
        let jwk = "{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"kid\": \"key-1\", \"x\": \"\(Base64URL.encode(F.issuer.key.publicKey.rawRepresentation))\"}"
        #expect(Self.status(try Self.graph(valid, keys: jwk)).status == .valid)
        // No key published: the method is an opaque URL, so nothing to check it with.
        #expect(Self.status(try Self.graph(valid, keys: "")).status == .unknownKey)
        // Only another key published: the provider's keys do not verify its credential.
        #expect(Self.status(try Self.graph(valid, keys: "\"\(F.witness.multikey)\"")).status == .tampered)
        #expect(Self.status(try Self.graph(byName["tampered.json"]!, keys: multikey)).status == .tampered)
        #expect(Self.status(try Self.graph(byName["wrong-key.json"]!, keys: multikey)).status == .tampered)
        let expired = byName["expired.json"]!
        #expect(Self.status(try Self.graph(expired, keys: multikey)).status == .expired)
        // Facts that disagree with the signed credential: tampering.
        for (g, why) in [(try Self.graph(valid, keys: multikey, issued: "2026-01-02"), "was issued 2026-01-01, the holding says 2026-01-02"),
                         (try Self.graph(valid, keys: multikey, holding: "urn:uuid:other"), "is for holding urn:uuid:valid, not urn:uuid:other"),
                         (try Self.graph(valid, keys: multikey, provider: "https://someone.example"), "was issued by https://issuer.example/profiles/1, not by Example Institute")] {
            let r = Self.status(g)
            #expect(r.status == .tampered && r.reason.contains(why), "\(r.reason)")
        }
        // A credential id imported twice keeps its signature: `ID#2` is the same credential.
        #expect(Self.status(try Self.graph(valid, keys: multikey, holding: "urn:uuid:valid#2")).status == .valid)
    }

    @Test func anIssuerThatIsItsDidKey() throws {
        let signer = F.witness
        let did = String(signer.method.split(separator: "#")[0])
        var doc = F.credential("self-issued")
        doc.set("issuer", .object(JSONObject(members: [("id", .string(did)), ("type", .array([.string("Profile")])), ("name", .string("Self"))])))
        let signed = try signer.sign(doc)
        #expect(Self.status(try Self.graph(signed, keys: "", provider: did)).status == .valid)
        // The same credential claimed for another provider: not that provider's.
        #expect(Self.status(try Self.graph(signed, keys: "", provider: F.issuerID)).status == .tampered)
    }

    @Test func saveWritesTheCredentialBackAsItWas() throws {
        let valid = try F.fixtures().first { $0.0 == "valid.json" }!.1
        let graph = try Self.graph(valid, keys: "\"\(F.issuer.multikey)\"")
        let saved = GraphWriter.json(graph)
        guard case .object(let root)? = try? JSONParser.parse(Array(saved.utf8)), case .array(let learners)? = root["learners"],
              case .object(let lee) = learners[0], case .array(let holds)? = lee["holds"], case .object(let holding) = holds[0] else {
            Issue.record("saved graph not read")
            return
        }
        #expect(holding["proof"] == .object(valid))
        let again = try GraphLoader.load([GraphSource(name: "saved.json", bytes: Array(saved.utf8))]).graph
        #expect(Self.status(again).status == .valid)
    }

    @Test func proofsAndKeysTheFormatRefuses() throws {
        func problems(_ holdingProof: String, keys: String = "") -> [String] {
            let text = """
                {"credq": 1, "organizations": [{"id": "o", "name": "O", "kind": "industry", "keys": [\(keys)]}],
                 "credentials": [{"id": "c", "name": "C", "kind": "badge", "provider": "o"}],
                 "learners": [{"id": "l", "name": "L", "holds": [{"id": "h", "credential": "c", "issued": "2026-01-01", "proof": \(holdingProof)}]}]}
                """
            do {
                _ = try GraphLoader.load([GraphSource(name: "t.json", bytes: Array(text.utf8))])
                return []
            } catch {
                return error.errors.map { "\($0.path): \($0.message)" }
            }
        }
        #expect(problems("42") == ["learners[0].holds[0].proof: expected a proof: a compact JWS string or a signed credential object, found a number"])
        #expect(problems("{\"id\": \"x\"}") == ["learners[0].holds[0].proof: expected a proof: a compact JWS string or a signed credential object, found an object without a proof"])
        #expect(problems("\"a.b.c\"", keys: "\"z6MkNope\"") == ["organizations[0].keys[0]: \"z6MkNope\" is not an Ed25519 Multikey (z6Mk...)"])
        #expect(problems("\"a.b.c\"", keys: "7") == ["organizations[0].keys[0]: expected a JWK object or a Multikey string, found a number"])
        #expect(problems("\"a.b.c\"", keys: "\"\(F.issuer.multikey)\"").isEmpty)
    }
}

extension StatusListTests {
    /// A proof may expire before the credential does; its `created` must be a date and time;
    /// its purpose must be assertionMethod.
    @Test func theProofsOwnDatesAndPurpose() throws {
        let keys = try CredentialFiles.keys(from: Array(JSONValue.object(Self.controllerDocument).serialized().utf8), name: "issuer.json")
        let verifier = DataIntegrityVerifier(keys: keys)
        let expiring = try Self.issuer.sign(Self.credential("proof-expires"), expires: "2026-06-01T00:00:00Z")
        let r = verifier.verify(expiring, on: Self.day)
        #expect(r.status == .expired && r.reason == "the proof expired on 2026-06-01", "\(r.reason)")
        #expect(verifier.verify(expiring, on: Day("2026-05-01")!).status == .valid)
        var badCreated = try Self.issuer.sign(Self.credential("bad-created"))
        if case .object(var proof)? = badCreated["proof"] {
            proof.set("created", .string("yesterday"))
            badCreated.set("proof", .object(proof))
        }
        #expect(verifier.verify(badCreated, on: Self.day).status == .malformed)
        var purpose = try Self.issuer.sign(Self.credential("purpose"))
        if case .object(var proof)? = purpose["proof"] {
            proof.set("proofPurpose", .string("authentication"))
            purpose.set("proof", .object(proof))
        }
        #expect(verifier.verify(purpose, on: Self.day).reason == "the proof's purpose is not assertionMethod")
    }

    /// A proof value or key far longer than any signature or Multikey is refused before it is
    /// decoded (base58 decoding is quadratic in its length).
    @Test func hostileLengthsAreRefusedBeforeDecoding() throws {
        var signed = try Self.issuer.sign(Self.credential("long"))
        guard case .object(var proof)? = signed["proof"] else { throw CancellationError() }
        proof.set("proofValue", .string("z" + String(repeating: "2", count: 200_000)))
        signed.set("proof", .object(proof))
        #expect(DataIntegrityVerifier().verify(signed, on: Self.day).status == .unknownKey)
        #expect(Multibase.ed25519PublicKey("z6Mk" + String(repeating: "2", count: 200_000)) == nil)
        let keys = try CredentialFiles.keys(from: Array(JSONValue.object(Self.controllerDocument).serialized().utf8), name: "issuer.json")
        #expect(DataIntegrityVerifier(keys: keys).verify(signed, on: Self.day).status == .tampered)
    }
}

extension StatusListTests {
    static let pythonCryptography: Bool = {
        (try? SchemaTests.python(["-c", "import cryptography"]))?.status == 0
    }()

    /// A second Ed25519 implementation (Python's `cryptography`) signs what credq says a
    /// proof covers, with the issuer's seed: credq accepts its signature, and (Ed25519 being
    /// deterministic) it is the signature the fixtures carry.
    @Test(.enabled(if: pythonCryptography, "needs python3 with cryptography"))
    func anIndependentSigner() throws {
        let signed = try Self.fixtures().first { $0.0 == "valid.json" }!.1
        guard case .object(let proof)? = signed["proof"], case .string(let value)? = proof["proofValue"] else { throw CancellationError() }
        var unsecured = signed
        unsecured.members.removeAll { $0.key == "proof" }
        var config = proof
        config.members.removeAll { $0.key == "proofValue" }
        config.members.insert(("@context", signed["@context"]!), at: 0)
        let processor = JSONLD(loader: DataIntegrityVerifier().loader())
        let input = try DataIntegrity.input(document: try processor.toRDF(.object(unsecured)), proofConfiguration: try processor.toRDF(.object(config)))
        let script = """
            import sys
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(sys.argv[1]))
            print(key.sign(bytes.fromhex(sys.argv[2])).hex())
            """
        let seed = DataIntegrityTests.hex(Array(SHA256.hash(data: Array("credq test issuer".utf8))))
        let result = try SchemaTests.python(["-c", script, seed, DataIntegrityTests.hex(input.signed)])
        #expect(result.status == 0, "\(result.output)")
        let theirs = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(theirs == DataIntegrityTests.hex(Multibase.decode(value)!), "the same deterministic signature")
        // Their signature, put in the credential, verifies.
        var bytes: [UInt8] = []
        var index = theirs.startIndex
        while index < theirs.endIndex {
            let next = theirs.index(index, offsetBy: 2)
            bytes.append(UInt8(theirs[index..<next], radix: 16)!)
            index = next
        }
        var resigned = proof
        resigned.set("proofValue", .string(Multibase.base58btcEncode(bytes)))
        var document = signed
        document.set("proof", .object(resigned))
        let keys = try CredentialFiles.keys(from: Array(JSONValue.object(Self.controllerDocument).serialized().utf8), name: "issuer.json")
        #expect(DataIntegrityVerifier(keys: keys).verify(document, on: Self.day).status == .valid)
    }
}
