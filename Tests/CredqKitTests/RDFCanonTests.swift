import Foundation
import Testing
@testable import CredqKit

/// The W3C RDF Dataset Canonicalization (RDFC-1.0) test suite, every test of its manifest
/// (Tests/Fixtures/rdf-canon, from w3c/rdf-canon under the W3C test suite and 3-clause BSD
/// licences; see its LICENCE.md): canonical N-Quads, issued identifier maps, SHA-384, and the
/// poison graph that must be refused rather than hang.
@Suite struct RDFCanonTests {
    static let folder = Support.root.appendingPathComponent("Tests/Fixtures/rdf-canon")

    struct Entry: Sendable, CustomTestStringConvertible {
        var id: String, type: String, name: String, action: String, result: String?, hash: String?
        var testDescription: String { "\(id) \(name)" }
    }

    static let entries: [Entry] = {
        let data = try! Data(contentsOf: folder.appendingPathComponent("manifest.jsonld"))
        let manifest = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (manifest["entries"] as! [[String: Any]]).map { e in
            Entry(id: e["id"] as! String, type: e["type"] as! String, name: e["name"] as! String, action: e["action"] as! String,
                  result: e["result"] as? String, hash: e["hashAlgorithm"] as? String)
        }
    }()

    static func text(_ path: String) -> String {
        try! String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func theWholeSuiteIsHere() {
        #expect(Self.entries.count == 86)
        #expect(Set(Self.entries.map(\.type)) == ["rdfc:RDFC10EvalTest", "rdfc:RDFC10MapTest", "rdfc:RDFC10NegativeEvalTest"])
    }

    @Test(arguments: entries)
    func conformance(_ entry: Entry) throws {
        let quads = try NQuads.parse(Self.text(entry.action))
        let canonicalizer = RDFCanonicalizer(hash: entry.hash == "SHA384" ? .sha384 : .sha256)
        switch entry.type {
        case "rdfc:RDFC10EvalTest":
            #expect(try canonicalizer.canonicalize(quads) == Self.text(entry.result!))
        case "rdfc:RDFC10MapTest":
            let expected = try JSONSerialization.jsonObject(with: Data(Self.text(entry.result!).utf8)) as! [String: String]
            #expect(try canonicalizer.canonicalLabels(quads).labels == expected)
        default:
            #expect(throws: RDFCanonicalizer.Failure.self) { try canonicalizer.canonicalize(quads) }
        }
    }

    /// Reading the canonical output back and canonicalising it again changes nothing, and
    /// writing escapes what canonical N-Quads escapes.
    @Test func canonicalFormIsAFixedPointAndEscapes() throws {
        let quad = RDFQuad(subject: .blank("x"), predicate: .iri("http://e/p"),
                           object: .literal("a\"b\\c\nd\u{1}\u{7F}é", datatype: RDFTerm.xsdString, language: nil), graph: nil)
        let once = try RDFCanonicalizer().canonicalize([quad])
        #expect(once == "_:c14n0 <http://e/p> \"a\\\"b\\\\c\\nd\\u0001\\u007Fé\" .\n")
        #expect(try RDFCanonicalizer().canonicalize(NQuads.parse(once)) == once)
    }
}
