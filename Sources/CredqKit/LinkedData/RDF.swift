/// RDF terms and quads, as Data Integrity proofs canonicalise them, and N-Quads: read (for
/// test suites and dumps) and written in canonical form (what RDFC-1.0 hashes and sorts).
enum RDFTerm: Hashable, Sendable {
    case iri(String)
    case blank(String)
    /// A literal: its lexical form, datatype IRI, and language tag for rdf:langString.
    case literal(String, datatype: String, language: String?)

    static let xsdString = "http://www.w3.org/2001/XMLSchema#string"
    static let langString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

    var blankLabel: String? { if case .blank(let b) = self { b } else { nil } }

    /// The term in canonical N-Quads.
    func nquads(into out: inout String) {
        switch self {
        case .iri(let i):
            out += "<"
            out += i
            out += ">"
        case .blank(let b):
            out += "_:"
            out += b
        case .literal(let value, let datatype, let language):
            out += "\""
            NQuads.escape(value, into: &out)
            out += "\""
            if let language {
                out += "@"
                out += language
            } else if datatype != Self.xsdString {
                out += "^^<"
                out += datatype
                out += ">"
            }
        }
    }
}

struct RDFQuad: Hashable, Sendable {
    var subject: RDFTerm
    var predicate: RDFTerm
    var object: RDFTerm
    /// nil: the default graph.
    var graph: RDFTerm?

    /// One line of canonical N-Quads, with its newline.
    func nquads(into out: inout String) {
        subject.nquads(into: &out)
        out += " "
        predicate.nquads(into: &out)
        out += " "
        object.nquads(into: &out)
        if let graph {
            out += " "
            graph.nquads(into: &out)
        }
        out += " .\n"
    }

    var nquads: String {
        var out = ""
        nquads(into: &out)
        return out
    }
}

enum NQuads {
    struct SyntaxError: Error, Equatable, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    /// A literal's characters as canonical N-Quads writes them: \b \t \n \f \r \" \\ as
    /// escapes, other control characters and DEL as \u00XX, the rest as they are.
    static func escape(_ value: String, into out: inout String) {
        for c in value.unicodeScalars {
            switch c {
            case "\u{8}": out += "\\b"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\u{C}": out += "\\f"
            case "\r": out += "\\r"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{0}"..."\u{1F}", "\u{7F}":
                let hex = String(c.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(c)
            }
        }
    }

    /// Reads N-Quads: one statement a line, `#` comments, blank lines.
    /// `generalized` also reads blank-node predicates (generalized RDF, which JSON-LD may produce).
    static func parse(_ text: String, generalized: Bool = false) throws(SyntaxError) -> [RDFQuad] {
        var quads: [RDFQuad] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var reader = LineReader(scalars: Array(line.unicodeScalars), line: n + 1)
            reader.skipSpace()
            if reader.atEnd || reader.peek == "#" { continue }
            let s = try reader.term()
            let p = try reader.term()
            let o = try reader.term()
            reader.skipSpace()
            var g: RDFTerm?
            if reader.peek != "." { g = try reader.term() }
            reader.skipSpace()
            guard reader.peek == "." else { throw SyntaxError(line: n + 1, message: "expected '.'") }
            reader.index += 1
            reader.skipSpace()
            guard reader.atEnd || reader.peek == "#" else { throw SyntaxError(line: n + 1, message: "text after '.'") }
            switch p {
            case .iri: break
            case .blank where generalized: break
            default: throw SyntaxError(line: n + 1, message: "the predicate is not an IRI")
            }
            if case .literal = s { throw SyntaxError(line: n + 1, message: "a literal subject") }
            quads.append(RDFQuad(subject: s, predicate: p, object: o, graph: g))
        }
        return quads
    }

    private struct LineReader {
        var scalars: [Unicode.Scalar]
        var line: Int
        var index = 0

        var atEnd: Bool { index >= scalars.count }
        var peek: Unicode.Scalar? { atEnd ? nil : scalars[index] }

        mutating func skipSpace() { while let c = peek, c == " " || c == "\t" || c == "\r" { index += 1 } }

        func fail(_ message: String) -> SyntaxError { SyntaxError(line: line, message: message) }

        mutating func term() throws(SyntaxError) -> RDFTerm {
            skipSpace()
            switch peek {
            case "<": return .iri(try iri())
            case "_":
                index += 1
                guard peek == ":" else { throw fail("expected ':' after '_'") }
                index += 1
                var label = String.UnicodeScalarView()
                while let c = peek, c != " ", c != "\t", !(c == "." && (index + 1 >= scalars.count || scalars[index + 1] == " " || scalars[index + 1] == "\t")) {
                    label.append(c)
                    index += 1
                }
                guard !label.isEmpty else { throw fail("an empty blank node label") }
                return .blank(String(label))
            case "\"":
                index += 1
                var value = String.UnicodeScalarView()
                while true {
                    guard let c = peek else { throw fail("an unterminated literal") }
                    index += 1
                    if c == "\"" { break }
                    if c == "\\" { value.append(try escaped()) } else { value.append(c) }
                }
                if peek == "@" {
                    index += 1
                    var tag = ""
                    while let c = peek, c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" {
                        tag.unicodeScalars.append(c)
                        index += 1
                    }
                    return .literal(String(value), datatype: RDFTerm.langString, language: tag)
                }
                if peek == "^" {
                    index += 1
                    guard peek == "^" else { throw fail("expected '^^'") }
                    index += 1
                    return .literal(String(value), datatype: try iri(), language: nil)
                }
                return .literal(String(value), datatype: RDFTerm.xsdString, language: nil)
            default:
                throw fail("expected an IRI, a blank node or a literal")
            }
        }

        mutating func iri() throws(SyntaxError) -> String {
            guard peek == "<" else { throw fail("expected '<'") }
            index += 1
            var out = String.UnicodeScalarView()
            while true {
                guard let c = peek else { throw fail("an unterminated IRI") }
                index += 1
                if c == ">" { break }
                if c == "\\" { out.append(try escaped()) } else { out.append(c) }
            }
            return String(out)
        }

        mutating func escaped() throws(SyntaxError) -> Unicode.Scalar {
            guard let e = peek else { throw fail("an escape at the end of the line") }
            index += 1
            switch e {
            case "t": return "\t"
            case "b": return "\u{8}"
            case "n": return "\n"
            case "r": return "\r"
            case "f": return "\u{C}"
            case "\"", "'", "\\": return e
            case "u", "U":
                let n = e == "u" ? 4 : 8
                guard index + n <= scalars.count, let v = UInt32(String(String.UnicodeScalarView(scalars[index..<index + n])), radix: 16),
                      let scalar = Unicode.Scalar(v) else { throw fail("a bad \\\(e) escape") }
                index += n
                return scalar
            default:
                throw fail("an unknown escape \\\(e)")
            }
        }
    }
}
