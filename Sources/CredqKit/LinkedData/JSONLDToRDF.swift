import Foundation

/// JSON-LD to RDF: the node map of the expanded document (blank nodes relabelled `_:b0`...),
/// then each node's properties as quads, lists as rdf:first/rdf:rest chains, native numbers
/// and booleans as typed literals, `@json` values as canonical JSON (RFC 8785).
extension JSONLD {
    static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let xsd = "http://www.w3.org/2001/XMLSchema#"

    func toRDF(_ document: JSONValue) throws(Failure) -> [RDFQuad] {
        var builder = NodeMapBuilder()
        try builder.add(.array(try expand(document)), graph: "@default", subject: nil, property: nil, list: nil)
        var quads: [RDFQuad] = []
        for graphName in builder.graphs.keys.sorted() {
            let graphTerm: RDFTerm?
            if graphName == "@default" {
                graphTerm = nil
            } else {
                guard IRI.isWellFormed(graphName) else { continue }
                graphTerm = Self.term(graphName)
            }
            let graph = builder.graphs[graphName]!
            for subject in graph.order.sorted() {
                guard IRI.isWellFormed(subject), let node = graph.nodes[subject] else { continue }
                for (property, values) in node.sorted(by: { $0.key < $1.key }) {
                    if property == "@type" {
                        for case .string(let t) in values where IRI.isWellFormed(t) {
                            quads.append(RDFQuad(subject: Self.term(subject), predicate: .iri(Self.rdf + "type"), object: Self.term(t), graph: graphTerm))
                        }
                        continue
                    }
                    if Self.keywords.contains(property) { continue }
                    if property.hasPrefix("_:"), !options.produceGeneralizedRdf { continue }
                    guard IRI.isWellFormed(property) else { continue }
                    for item in values {
                        var listQuads: [RDFQuad] = []
                        if let object = objectToRDF(item, &listQuads, &builder.issuer, graph: graphTerm) {
                            quads.append(RDFQuad(subject: Self.term(subject), predicate: Self.term(property), object: object, graph: graphTerm))
                        }
                        quads += listQuads
                    }
                }
            }
        }
        return quads
    }

    static func term(_ id: String) -> RDFTerm { id.hasPrefix("_:") ? .blank(String(id.dropFirst(2))) : .iri(id) }

    private func objectToRDF(_ item: JSONValue, _ listQuads: inout [RDFQuad], _ issuer: inout BlankIssuer, graph: RDFTerm?) -> RDFTerm? {
        guard case .object(let o) = item else { return nil }
        if let id = o["@id"] {
            guard case .string(let s) = id, IRI.isWellFormed(s) else { return nil }
            return Self.term(s)
        }
        if let list = o["@list"] {
            guard case .array(let items) = list else { return nil }
            if items.isEmpty { return .iri(Self.rdf + "nil") }
            let nodes = items.map { _ in issuer.fresh() }
            for (i, entry) in items.enumerated() {
                let subject = Self.term(nodes[i])
                var nested: [RDFQuad] = []
                if let object = objectToRDF(entry, &nested, &issuer, graph: graph) {
                    listQuads.append(RDFQuad(subject: subject, predicate: .iri(Self.rdf + "first"), object: object, graph: graph))
                }
                listQuads += nested
                let rest: RDFTerm = i + 1 < nodes.count ? Self.term(nodes[i + 1]) : .iri(Self.rdf + "nil")
                listQuads.append(RDFQuad(subject: subject, predicate: .iri(Self.rdf + "rest"), object: rest, graph: graph))
            }
            return Self.term(nodes[0])
        }
        guard let value = o["@value"] else { return nil }
        var datatype: String?
        if case .string(let t)? = o["@type"] {
            guard t == "@json" || IRI.isWellFormed(t) else { return nil }
            datatype = t
        }
        if let language = o["@language"], case .string(let l) = language, !Self.isLanguageTag(l) { return nil }
        if datatype == "@json" {
            return .literal(Self.canonicalJSON(value), datatype: Self.rdf + "JSON", language: nil)
        }
        var lexical: String
        switch value {
        case .bool(let b):
            lexical = b ? "true" : "false"
            datatype = datatype ?? Self.xsd + "boolean"
        case .number(let n):
            if n.rounded() != n || abs(n) >= 1e21 || datatype == Self.xsd + "double" {
                lexical = Self.canonicalDouble(n)
                datatype = datatype ?? Self.xsd + "double"
            } else {
                lexical = String(format: "%.0f", n)
                datatype = datatype ?? Self.xsd + "integer"
            }
        case .string(let s):
            lexical = s
        default:
            return nil
        }
        // A direction as a compound literal: a blank node with the value, language and direction.
        if datatype == nil, case .string(let d)? = o["@direction"], options.rdfDirection == "compound-literal" {
            let node = Self.term(issuer.fresh())
            listQuads.append(RDFQuad(subject: node, predicate: .iri(Self.rdf + "value"), object: .literal(lexical, datatype: RDFTerm.xsdString, language: nil), graph: graph))
            if case .string(let language)? = o["@language"] {
                listQuads.append(RDFQuad(subject: node, predicate: .iri(Self.rdf + "language"),
                                         object: .literal(language.lowercased(), datatype: RDFTerm.xsdString, language: nil), graph: graph))
            }
            listQuads.append(RDFQuad(subject: node, predicate: .iri(Self.rdf + "direction"), object: .literal(d, datatype: RDFTerm.xsdString, language: nil), graph: graph))
            return node
        }
        if case .string(let language)? = o["@language"], datatype == nil {
            if let direction = o["@direction"], case .string(let d) = direction, options.rdfDirection == "i18n-datatype" {
                return .literal(lexical, datatype: "https://www.w3.org/ns/i18n#\(language.lowercased())_\(d)", language: nil)
            }
            return .literal(lexical, datatype: RDFTerm.langString, language: language)
        }
        if case .string(let d)? = o["@direction"], options.rdfDirection == "i18n-datatype" {
            return .literal(lexical, datatype: "https://www.w3.org/ns/i18n#_\(d)", language: nil)
        }
        return .literal(lexical, datatype: datatype ?? RDFTerm.xsdString, language: nil)
    }

    static func isLanguageTag(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (1...8).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLetter }) else { return false }
        return parts.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    /// XSD's canonical double: `1.1E0`, `1.0E21`.
    static func canonicalDouble(_ n: Double) -> String {
        let formatted = String(format: "%.15E", n)
        let parts = formatted.split(separator: "E")
        var mantissa = String(parts[0])
        while mantissa.hasSuffix("0") { mantissa.removeLast() }
        if mantissa.hasSuffix(".") { mantissa += "0" }
        let exponent = Int(parts[1]) ?? 0
        return "\(mantissa)E\(exponent)"
    }

    /// RFC 8785 (JCS): keys sorted by UTF-16 code units, no spaces, numbers as ECMAScript prints them.
    static func canonicalJSON(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return ecmaNumber(n)
        case .string(let s): return jsonString(s)
        case .array(let items): return "[" + items.map(canonicalJSON).joined(separator: ",") + "]"
        case .object(let o):
            let sorted = o.members.sorted { Array($0.key.utf16).lexicographicallyPrecedes(Array($1.key.utf16)) }
            return "{" + sorted.map { jsonString($0.key) + ":" + canonicalJSON($0.value) }.joined(separator: ",") + "}"
        }
    }

    static func jsonString(_ s: String) -> String {
        var out = ""
        JSONValue.writeString(s, to: &out, shortEscapes: true)
        return out
    }

    static func ecmaNumber(_ n: Double) -> String {
        if n == 0 { return "0" }
        if n.rounded() == n, abs(n) < 1e21 { return String(format: "%.0f", n) }
        var s = "\(n)"  // Swift's shortest round-trip form: 1.5, 1e-07, 1e+21
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var mantissa = String(s[..<e])
            if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
            let exponent = Int(s[s.index(after: e)...]) ?? 0
            if exponent >= -6 && exponent < 21 {
                return String(format: "%.\(max(0, -exponent + (mantissa.count - (mantissa.contains(".") ? 2 : 1))))f", n)
            }
            s = mantissa + "e" + (exponent > 0 ? "+" : "-") + String(abs(exponent))
        }
        return s
    }

    /// Issues `_:b0`, `_:b1`... for the document's blank nodes and for new ones.
    struct BlankIssuer {
        var counter = 0
        var issued: [String: String] = [:]

        mutating func fresh() -> String {
            defer { counter += 1 }
            return "_:b\(counter)"
        }

        mutating func relabel(_ old: String) -> String {
            if let known = issued[old] { return known }
            let id = fresh()
            issued[old] = id
            return id
        }
    }

    /// The node map (https://www.w3.org/TR/json-ld11-api/#node-map-generation).
    struct NodeMapBuilder {
        struct Graph {
            var nodes: [String: [String: [JSONValue]]] = [:]
            var order: [String] = []
        }

        enum Subject { case id(String), reference(JSONValue) }

        var graphs: [String: Graph] = [:]
        var issuer = BlankIssuer()

        private static func contains(_ list: [JSONValue], _ item: JSONValue) -> Bool { list.contains(item) }

        private mutating func node(_ graph: String, _ id: String) {
            if graphs[graph] == nil { graphs[graph] = Graph() }
            if graphs[graph]!.nodes[id] == nil {
                graphs[graph]!.nodes[id] = ["@id": [.string(id)]]
                graphs[graph]!.order.append(id)
            }
        }

        private mutating func append(_ graph: String, _ id: String, _ property: String, _ value: JSONValue, unique: Bool) {
            node(graph, id)
            var values = graphs[graph]!.nodes[id]![property] ?? []
            if !unique || !values.contains(value) { values.append(value) }
            graphs[graph]!.nodes[id]![property] = values
        }

        mutating func add(_ element: JSONValue, graph: String, subject: Subject?, property: String?, list: UnsafeMutablePointer<[JSONValue]>?) throws(Failure) {
            if graphs[graph] == nil { graphs[graph] = Graph() }
            if case .array(let items) = element {
                for item in items { try add(item, graph: graph, subject: subject, property: property, list: list) }
                return
            }
            guard case .object(var element) = element else { return }
            if case .array(let types)? = element["@type"] {
                element.set("@type", .array(types.map { if case .string(let t) = $0, t.hasPrefix("_:") { .string(issuer.relabel(t)) } else { $0 } }))
            }
            if element["@value"] != nil {
                if let list { list.pointee.append(.object(element)) } else if case .id(let s)? = subject, let property {
                    append(graph, s, property, .object(element), unique: true)
                }
                return
            }
            if let items = element["@list"] {
                var collected: [JSONValue] = []
                try withUnsafeMutablePointer(to: &collected) { (p) throws(Failure) in
                    try add(items, graph: graph, subject: subject, property: property, list: p)
                }
                let result = JSONValue.object(JSONObject(members: [("@list", .array(collected))]))
                if let list { list.pointee.append(result) } else if case .id(let s)? = subject, let property {
                    append(graph, s, property, result, unique: false)
                }
                return
            }
            var id: String
            if case .string(let given)? = element["@id"] {
                id = given.hasPrefix("_:") ? issuer.relabel(given) : given
            } else if element["@id"] == .null {
                return
            } else {
                id = issuer.fresh()
            }
            node(graph, id)
            switch subject {
            case .reference(let ref)?:
                if let property { append(graph, id, property, ref, unique: true) }
            case .id(let s)?:
                if let property {
                    let reference = JSONValue.object(JSONObject(members: [("@id", .string(id))]))
                    if let list { list.pointee.append(reference) } else { append(graph, s, property, reference, unique: true) }
                }
            case nil:
                break
            }
            if case .array(let types)? = element["@type"] {
                for t in types { append(graph, id, "@type", t, unique: true) }
            }
            if let index = element["@index"] {
                if let existing = graphs[graph]!.nodes[id]!["@index"], existing != [index] { throw Failure("conflicting indexes") }
                graphs[graph]!.nodes[id]!["@index"] = [index]
            }
            if case .object(let reverse)? = element["@reverse"] {
                let reference = JSONValue.object(JSONObject(members: [("@id", .string(id))]))
                for (p, values) in reverse.members {
                    for value in JSONLD.array(values) { try add(value, graph: graph, subject: .reference(reference), property: p, list: nil) }
                }
            }
            if let inner = element["@graph"] { try add(inner, graph: id, subject: nil, property: nil, list: nil) }
            if let included = element["@included"] { try add(included, graph: graph, subject: nil, property: nil, list: nil) }
            let handled: Set<String> = ["@id", "@type", "@index", "@reverse", "@graph", "@included"]
            for (p, value) in element.members.sorted(by: { $0.key < $1.key }) where !handled.contains(p) {
                let property = p.hasPrefix("_:") ? issuer.relabel(p) : p
                node(graph, id)
                if graphs[graph]!.nodes[id]![property] == nil { graphs[graph]!.nodes[id]![property] = [] }
                try add(value, graph: graph, subject: .id(id), property: property, list: nil)
            }
        }
    }

    fileprivate static func array(_ v: JSONValue) -> [JSONValue] { if case .array(let a) = v { a } else { [v] } }
}
