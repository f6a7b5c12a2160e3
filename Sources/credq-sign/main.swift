// credq-sign: signs the default catalog's holdings, so `verify` has real proofs to check.
//
//   swift run credq-sign            (from the repository's root; rewrites seeds/, then run
//                                    scripts/embed-seeds.sh)
//
// Each issuer whose credentials someone holds gets a fresh key pair: its public key (a JWK with
// a kid) goes into its organization's `keys`; its private key signs every holding of its
// credentials as a compact JWS (a VC-JWT in the shape of Open Badges 3.0) and is then thrown
// away, so no private key is ever in the repository or the binary. Re-running replaces keys and
// proofs. To show every status, one proof is edited after signing (jane-hubspot: tampered) and
// one holding is revoked by its issuer (claire-agile: revoked); rahul-tableau expires on
// 2026-04-22 by its credential's validity.
//
// The tool owns the `keys` and `revoked` fields at the end of organization lines and `proof`
// at the end of holding lines in seeds/*.json (one object a line): it cuts them off and writes
// them anew.

import CredqKit
import CredqSigning
import Foundation

/// Which algorithm each issuer signs with: RS256 (what Open Badges requires) for most, ES256 and
/// EdDSA for a few, so the catalog shows all three.
func makeKey(for org: String) -> SigningKey {
    switch org {
    case "google", "hubspot": .newP256()
    case "mit", "rit", "linkedin-learning": .newEd25519()
    default: .newRSA()
    }
}

func epoch(_ day: Day) -> Int {
    var components = DateComponents()
    components.year = day.year
    components.month = day.month
    components.day = day.day
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return Int(calendar.date(from: components)!.timeIntervalSince1970)
}

func jsonString(_ s: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
    let text = String(decoding: data, as: UTF8.self)
    return String(text.dropFirst().dropLast())
}

/// Cuts the tool's own fields off the end of one-object lines, then lets `add` append new ones.
func rewrite(_ path: String, fields: [String], add: (_ id: String) -> String?) throws {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var out: [String] = []
    for var line in text.components(separatedBy: "\n") {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("{\"id\": \""), let idEnd = trimmed.dropFirst(8).firstIndex(of: "\"") else {
            out.append(line)
            continue
        }
        let id = String(trimmed[trimmed.index(trimmed.startIndex, offsetBy: 8)..<idEnd])
        let suffix = line.hasSuffix(",") ? "," : ""
        if !suffix.isEmpty { line.removeLast() }
        for field in fields {
            if let r = line.range(of: ", \"\(field)\": ") {
                line = String(line[..<r.lowerBound]) + "}"
            }
        }
        if let extra = add(id) {
            line.removeLast()  // the closing brace
            line += extra + "}"
        }
        out.append(line + suffix)
    }
    try out.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
}

let seedFiles = ["organizations", "skills", "credentials", "roles", "learners"].map { "seeds/\($0).json" }
guard FileManager.default.fileExists(atPath: seedFiles[0]) else {
    FileHandle.standardError.write(Data("credq-sign: run me from the repository's root (no seeds/ here)\n".utf8))
    exit(2)
}
let graph: Graph
do {
    graph = try GraphLoader.load(seedFiles.map { GraphSource(name: $0, bytes: Array(FileManager.default.contents(atPath: $0)!)) }).graph
} catch {
    FileHandle.standardError.write(Data("credq-sign: the seeds do not load:\n\(error.description)\n".utf8))
    exit(4)
}

let tampered = "jane-hubspot", revokedHolding = "claire-agile"
var keys: [String: (key: SigningKey, kid: String)] = [:]
var proofs: [String: String] = [:]
var revokedBy: [String: [String]] = [:]
for learner in graph.learners {
    for holding in learner.holdings {
        let credential = graph.credentials[holding.credential]
        let org = graph.organizations[credential.provider]
        if keys[org.id] == nil { keys[org.id] = (makeKey(for: org.id), "\(org.id)-2026") }
        let (key, kid) = keys[org.id]!
        var claims = "{\"iss\": \(jsonString(org.id)), \"jti\": \(jsonString(holding.id)), \"sub\": \(jsonString(learner.id)), "
            + "\"nbf\": \(epoch(holding.issued))"
        if let expiry = graph.expiry(of: holding) { claims += ", \"exp\": \(epoch(expiry))" }
        claims += ", \"vc\": {\"@context\": [\"https://www.w3.org/ns/credentials/v2\", \"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\"], "
            + "\"type\": [\"VerifiableCredential\", \"OpenBadgeCredential\"], \"issuer\": {\"id\": \(jsonString(org.id)), \"name\": \(jsonString(org.name))}, "
            + "\"validFrom\": \"\(holding.issued)\", \"credentialSubject\": {\"id\": \(jsonString(learner.id)), \"type\": [\"AchievementSubject\"], "
            + "\"achievement\": {\"id\": \(jsonString(credential.id)), \"type\": [\"Achievement\"], \"name\": \(jsonString(credential.name))}}}}"
        let header = "{\"alg\": \"\(key.alg)\", \"kid\": \"\(kid)\", \"typ\": \"vc+jwt\"}"
        var token = key.compactJWS(header: header, payload: claims)
        if holding.id == tampered {
            // Someone raised the date after it was signed: the signature no longer matches.
            let edited = claims.replacingOccurrences(of: "\"validFrom\": \"\(holding.issued)\"", with: "\"validFrom\": \"2020-01-01\"")
            token = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(edited.utf8)) + "." + token.split(separator: ".")[2]
        }
        if holding.id == revokedHolding { revokedBy[org.id, default: []].append(holding.id) }
        proofs[holding.id] = token
    }
}

try rewrite("seeds/organizations.json", fields: ["keys", "revoked"]) { id in
    guard let (key, kid) = keys[id] else { return nil }
    var extra = ", \"keys\": [\(key.jwk(kid: kid))]"
    if let revoked = revokedBy[id] { extra += ", \"revoked\": [\(revoked.map(jsonString).joined(separator: ", "))]" }
    return extra
}
try rewrite("seeds/learners.json", fields: ["proof"]) { id in proofs[id].map { ", \"proof\": \"\($0)\"" } }
print("signed \(proofs.count) holdings for \(keys.count) issuers; now run scripts/embed-seeds.sh")
