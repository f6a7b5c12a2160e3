import Foundation

/// JSON-LD 1.1 contexts (https://www.w3.org/TR/json-ld11-api/#context-processing-algorithms):
/// term definitions with their IRI, type and container mappings, scoped and protected terms,
/// @vocab, @base, @language, @direction, @propagate, @import. Remote contexts come from the
/// processor's loader, which never goes to the network (see `JSONLD.Loader`).
struct JSONLDTerm: Equatable {
    var iri: String?
    var prefix = false
    var protected = false
    var reverse = false
    var baseURL: String?
    var context: JSONValue?
    var container: Set<String> = []
    /// .some(nil) is an explicit null (no direction), nil is not set.
    var direction: String??
    var index: String?
    var language: String??
    var nest: String?
    var type: String?

    /// Equal but for `protected`: what a protected term may be redefined as.
    func sameDefinition(_ other: JSONLDTerm) -> Bool {
        var a = self, b = other
        a.protected = false
        b.protected = false
        return a == b
    }
}

final class JSONLDContextBox {
    let context: JSONLDContext
    init(_ context: JSONLDContext) { self.context = context }
}

struct JSONLDContext {
    /// Which processed state this is: every context processing that changes a context gives
    /// the result a new stamp, so that equal stamps (with equal bases) are the same context.
    /// 0 is a context nothing was processed onto.
    var stamp = 0
    var terms: [String: JSONLDTerm] = [:]
    var base: String?
    var originalBase: String?
    var vocab: String?
    var language: String?
    var direction: String?
    var previous: JSONLDContextBox?

    init(base: String?) {
        self.base = base
        originalBase = base
    }
}

extension JSONLD {
    static let keywords: Set<String> = ["@base", "@container", "@context", "@direction", "@graph", "@id", "@import", "@included",
                                        "@index", "@json", "@language", "@list", "@nest", "@none", "@prefix", "@propagate",
                                        "@protected", "@reverse", "@set", "@type", "@value", "@version", "@vocab"]

    /// `@` then letters only: reserved for keywords, ignored where not one.
    static func looksLikeKeyword(_ s: String) -> Bool {
        let u = s.utf8
        guard u.count > 1, u.first == UInt8(ascii: "@") else { return false }
        return u.dropFirst().allSatisfy { ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) }
    }

    // MARK: - Context processing

    func process(_ active: JSONLDContext, _ local: JSONValue, baseURL: String?, remote: [String] = [], overrideProtected: Bool = false,
                 propagate: Bool = true, validateScoped: Bool = true) throws(Failure) -> JSONLDContext {
        var result = active
        var propagate = propagate
        if case .object(let o) = local, let p = o["@propagate"] {
            guard case .bool(let b) = p else { throw Failure("invalid @propagate value") }
            propagate = b
        }
        // Remote contexts (one, or a list: a credential's @context, an embedded credential's)
        // onto the same context always give the same terms: kept for the run, by the stamp of
        // the context they were processed onto.
        var memoKey: String?
        if let cache, remote.isEmpty, validateScoped, propagate, !overrideProtected {
            let references: [JSONValue] = if case .array(let items) = local { items } else { [local] }
            let urls = references.compactMap { if case .string(let u) = $0 { IRI.resolve(u, against: baseURL) } else { nil } }
            if !urls.isEmpty, urls.count == references.count {
                let key = "\(active.stamp) " + urls.joined(separator: " ")
                if var cached = cache.get(key) {
                    (cached.base, cached.originalBase) = (active.base, active.originalBase)
                    return cached
                }
                memoKey = key
            }
        }
        var changed = false
        if !propagate, result.previous == nil {
            result.previous = JSONLDContextBox(active)
            changed = true
        }
        let contexts: [JSONValue] = if case .array(let items) = local { items } else { [local] }
        var remote = remote
        for context in contexts {
            switch context {
            case .null:
                if !overrideProtected, result.terms.values.contains(where: \.protected) { throw Failure("invalid context nullification") }
                let previous = result.previous
                result = JSONLDContext(base: active.originalBase)
                if !propagate { result.previous = previous }
                changed = true
                continue
            case .string(let reference):
                let iri = IRI.resolve(reference, against: baseURL)
                if !validateScoped, remote.contains(iri) { continue }
                if remote.count > 32 { throw Failure("context overflow") }
                remote.append(iri)
                // Onto an empty context, a remote context always gives the same result.
                let pristine = result.terms.isEmpty && result.vocab == nil && result.language == nil && result.direction == nil
                    && result.previous == nil && remote.count == 1 && validateScoped
                if pristine, let cached = cache?.get(iri) {
                    let (base, original) = (result.base, result.originalBase)
                    result = cached
                    (result.base, result.originalBase) = (base, original)
                    continue
                }
                guard case .object(let document) = try load(iri, context: true), let inner = document["@context"] else {
                    throw Failure("invalid remote context", iri)
                }
                result = try process(result, inner, baseURL: iri, remote: remote, validateScoped: validateScoped)
                if pristine { cache?.put(iri, result) }
                continue
            case .object:
                break
            default:
                throw Failure("invalid local context")
            }
            guard case .object(var object) = context else { continue }
            changed = true
            if let version = object["@version"] {
                guard version == .number(1.1) else { throw Failure("invalid @version value") }
                if options.processingMode == "json-ld-1.0" { throw Failure("processing mode conflict") }
            }
            if let imported = object["@import"] {
                if options.processingMode == "json-ld-1.0" { throw Failure("invalid context entry") }
                guard case .string(let reference) = imported else { throw Failure("invalid @import value") }
                let iri = IRI.resolve(reference, against: baseURL)
                guard case .object(let document) = try load(iri, context: true), case .object(let importedContext)? = document["@context"] else {
                    throw Failure("invalid remote context", iri)
                }
                if importedContext["@import"] != nil { throw Failure("invalid context entry") }
                var merged = importedContext
                for (key, value) in object.members { merged.set(key, value) }
                object = merged
            }
            if let base = object["@base"], remote.isEmpty {
                switch base {
                case .null: result.base = nil
                case .string(let b):
                    if IRI.isAbsolute(b) { result.base = b } else if result.base != nil { result.base = IRI.resolve(b, against: result.base) } else {
                        throw Failure("invalid base IRI")
                    }
                default: throw Failure("invalid base IRI")
                }
            }
            if let vocab = object["@vocab"] {
                switch vocab {
                case .null: result.vocab = nil
                case .string(let v):
                    result.vocab = try expandIRI(result, v, documentRelative: true, vocab: true)
                default: throw Failure("invalid vocab mapping")
                }
            }
            if let language = object["@language"] {
                switch language {
                case .null: result.language = nil
                case .string(let l): result.language = l
                default: throw Failure("invalid default language")
                }
            }
            if let direction = object["@direction"] {
                if options.processingMode == "json-ld-1.0" { throw Failure("invalid context entry") }
                switch direction {
                case .null: result.direction = nil
                case .string(let d) where d == "ltr" || d == "rtl": result.direction = d
                default: throw Failure("invalid base direction")
                }
            }
            if let p = object["@propagate"] {
                if options.processingMode == "json-ld-1.0" { throw Failure("invalid context entry") }
                guard case .bool = p else { throw Failure("invalid @propagate value") }
            }
            var protected = false
            if let p = object["@protected"] {
                guard case .bool(let b) = p else { throw Failure("invalid @protected value") }
                protected = b
            }
            var defined: [String: Bool] = [:]
            let skip: Set<String> = ["@base", "@direction", "@import", "@language", "@propagate", "@protected", "@version", "@vocab"]
            for (key, _) in object.members where !skip.contains(key) {
                try defineTerm(&result, object, key, &defined, baseURL: baseURL, protected: protected, overrideProtected: overrideProtected,
                               remote: remote, validateScoped: validateScoped)
            }
        }
        if changed { result.stamp = Self.stamps.next() }
        if let memoKey { cache?.put(memoKey, result) }
        return result
    }

    /// Stamps for processed contexts, unique in the process.
    static let stamps = StampCounter()

    final class StampCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var last = 0
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            last += 1
            return last
        }
    }

    // MARK: - Term definitions

    func defineTerm(_ active: inout JSONLDContext, _ local: JSONObject, _ term: String, _ defined: inout [String: Bool], baseURL: String?,
                    protected: Bool = false, overrideProtected: Bool = false, remote: [String] = [], validateScoped: Bool = true) throws(Failure) {
        if let state = defined[term] {
            if state { return }
            throw Failure("cyclic IRI mapping", term)
        }
        if term.isEmpty { throw Failure("invalid term definition") }
        defined[term] = false
        var value = local[term] ?? .null
        if term == "@type" {
            if options.processingMode == "json-ld-1.0" { throw Failure("keyword redefinition") }
            guard case .object(let o) = value, !o.members.isEmpty,
                  o.members.allSatisfy({ ($0.key == "@container" && $0.value == .string("@set")) || $0.key == "@protected" }) else {
                throw Failure("keyword redefinition")
            }
        } else if Self.keywords.contains(term) {
            throw Failure("keyword redefinition", term)
        } else if Self.looksLikeKeyword(term) {
            defined[term] = true
            return
        }
        let previous = active.terms.removeValue(forKey: term)
        var simple = false
        switch value {
        case .null: value = .object(JSONObject(members: [("@id", .null)]))
        case .string:
            value = .object(JSONObject(members: [("@id", value)]))
            simple = true
        case .object: break
        default: throw Failure("invalid term definition", term)
        }
        guard case .object(let v) = value else { return }
        var definition = JSONLDTerm()
        if let p = v["@protected"] {
            if options.processingMode == "json-ld-1.0" { throw Failure("invalid term definition") }
            guard case .bool(let b) = p else { throw Failure("invalid @protected value") }
            definition.protected = b
        } else {
            definition.protected = protected
        }
        if let t = v["@type"] {
            guard case .string(let type) = t, let expanded = try expandIRI(&active, type, vocab: true, local: local, defined: &defined) else {
                throw Failure("invalid type mapping", term)
            }
            if ["@json", "@none"].contains(expanded), options.processingMode == "json-ld-1.0" { throw Failure("invalid type mapping") }
            guard ["@id", "@json", "@none", "@vocab"].contains(expanded) || IRI.isAbsolute(expanded) else { throw Failure("invalid type mapping", term) }
            definition.type = expanded
        }
        if let r = v["@reverse"] {
            if v["@id"] != nil || v["@nest"] != nil { throw Failure("invalid reverse property") }
            guard case .string(let reverse) = r else { throw Failure("invalid IRI mapping") }
            if Self.looksLikeKeyword(reverse) {
                defined[term] = true
                return
            }
            guard let iri = try expandIRI(&active, reverse, vocab: true, local: local, defined: &defined), iri.utf8.contains(UInt8(ascii: ":")) else {
                throw Failure("invalid IRI mapping")
            }
            definition.iri = iri
            if let c = v["@container"] {
                switch c {
                case .null: break
                case .string(let s) where s == "@set" || s == "@index": definition.container = [s]
                default: throw Failure("invalid reverse property")
                }
            }
            // A property-based index works on a reverse property as on any other.
            if let i = v["@index"] {
                guard definition.container.contains("@index"), options.processingMode != "json-ld-1.0" else { throw Failure("invalid term definition") }
                guard case .string(let index) = i, let expanded = try expandIRI(active, index, vocab: true), IRI.isAbsolute(expanded) else {
                    throw Failure("invalid term definition")
                }
                definition.index = index
            }
            definition.reverse = true
            active.terms[term] = definition
            defined[term] = true
            return
        }
        if let id = v["@id"], id != .string(term) {
            switch id {
            case .null: break
            case .string(let i):
                if !Self.keywords.contains(i), Self.looksLikeKeyword(i) {
                    defined[term] = true
                    return
                }
                guard let iri = try expandIRI(&active, i, vocab: true, local: local, defined: &defined),
                      Self.keywords.contains(iri) || iri.utf8.contains(UInt8(ascii: ":")) else {
                    throw Failure("invalid IRI mapping", term)
                }
                if iri == "@context" { throw Failure("invalid keyword alias") }
                definition.iri = iri
                let inner = term.dropFirst().dropLast()
                if inner.utf8.contains(UInt8(ascii: ":")) || term.utf8.contains(UInt8(ascii: "/")) {
                    defined[term] = true
                    let expanded = try expandIRI(&active, term, vocab: true, local: local, defined: &defined)
                    if expanded != iri { throw Failure("invalid IRI mapping", term) }
                }
                if !term.utf8.contains(UInt8(ascii: ":")), !term.utf8.contains(UInt8(ascii: "/")), simple,
                   let last = iri.last, ":/?#[]@".contains(last) || iri.hasPrefix("_:") {
                    definition.prefix = true
                }
            default:
                throw Failure("invalid IRI mapping", term)
            }
        } else if let colon = term.dropFirst().firstIndex(of: ":") {
            let prefix = String(term[..<colon]), suffix = String(term[term.index(after: colon)...])
            if local[prefix] != nil { try defineTerm(&active, local, prefix, &defined, baseURL: baseURL, remote: remote) }
            if let p = active.terms[prefix], let piri = p.iri { definition.iri = piri + suffix } else { definition.iri = term }
        } else if term.utf8.contains(UInt8(ascii: "/")) {
            guard let iri = try expandIRI(active, term, vocab: true), iri.utf8.contains(UInt8(ascii: ":")) else { throw Failure("invalid IRI mapping") }
            definition.iri = iri
        } else if term == "@type" {
            definition.iri = "@type"
        } else {
            guard let vocab = active.vocab else { throw Failure("invalid IRI mapping", term) }
            definition.iri = vocab + term
        }
        if let c = v["@container"] {
            let items: [JSONValue] = if case .array(let a) = c { a } else { [c] }
            var container = Set<String>()
            for item in items {
                guard case .string(let s) = item, ["@graph", "@id", "@index", "@language", "@list", "@set", "@type"].contains(s) else {
                    throw Failure("invalid container mapping")
                }
                container.insert(s)
            }
            if options.processingMode == "json-ld-1.0", case .array = c { throw Failure("invalid container mapping") }
            // JSON-LD 1.0 knew only these containers.
            if options.processingMode == "json-ld-1.0", !container.isSubset(of: ["@index", "@language", "@list", "@set"]) {
                throw Failure("invalid container mapping")
            }
            let valid: [Set<String>] = [["@graph"], ["@id"], ["@index"], ["@language"], ["@list"], ["@set"], ["@type"],
                                        ["@graph", "@id"], ["@graph", "@index"], ["@graph", "@set"], ["@graph", "@id", "@set"],
                                        ["@graph", "@index", "@set"], ["@id", "@set"], ["@index", "@set"], ["@language", "@set"],
                                        ["@set", "@type"]]
            guard valid.contains(container) else { throw Failure("invalid container mapping") }
            definition.container = container
            if container.contains("@type") {
                if definition.type == nil { definition.type = "@id" }
                guard definition.type == "@id" || definition.type == "@vocab" else { throw Failure("invalid type mapping") }
            }
        }
        if let i = v["@index"] {
            guard definition.container.contains("@index"), options.processingMode != "json-ld-1.0" else { throw Failure("invalid term definition") }
            guard case .string(let index) = i, let expanded = try expandIRI(active, index, vocab: true), IRI.isAbsolute(expanded) else {
                throw Failure("invalid term definition")
            }
            definition.index = index
        }
        if let scoped = v["@context"] {
            if options.processingMode == "json-ld-1.0" { throw Failure("invalid term definition") }
            do {
                _ = try process(active, scoped, baseURL: baseURL, remote: remote, overrideProtected: true, validateScoped: false)
            } catch {
                throw Failure("invalid scoped context", error.detail)
            }
            definition.context = scoped
            definition.baseURL = baseURL
        }
        if let l = v["@language"], v["@type"] == nil {
            switch l {
            case .null: definition.language = .some(nil)
            case .string(let s): definition.language = .some(s)
            default: throw Failure("invalid language mapping")
            }
        }
        if let d = v["@direction"], v["@type"] == nil {
            switch d {
            case .null: definition.direction = .some(nil)
            case .string(let s) where s == "ltr" || s == "rtl": definition.direction = .some(s)
            default: throw Failure("invalid base direction")
            }
        }
        if let n = v["@nest"] {
            if options.processingMode == "json-ld-1.0" { throw Failure("invalid term definition") }
            guard case .string(let nest) = n, nest == "@nest" || !Self.keywords.contains(nest) else { throw Failure("invalid @nest value") }
            definition.nest = nest
        }
        if let p = v["@prefix"] {
            if options.processingMode == "json-ld-1.0" || term.utf8.contains(UInt8(ascii: ":")) || term.utf8.contains(UInt8(ascii: "/")) { throw Failure("invalid term definition") }
            guard case .bool(let b) = p else { throw Failure("invalid @prefix value") }
            definition.prefix = b
            if b, let iri = definition.iri, Self.keywords.contains(iri) { throw Failure("invalid term definition") }
        }
        let allowed: Set<String> = ["@id", "@reverse", "@container", "@context", "@direction", "@index", "@language", "@nest", "@prefix",
                                    "@protected", "@type"]
        if v.members.contains(where: { !allowed.contains($0.key) }) { throw Failure("invalid term definition", term) }
        if !overrideProtected, let previous, previous.protected {
            if !definition.sameDefinition(previous) { throw Failure("protected term redefinition", term) }
            definition = previous
        }
        active.terms[term] = definition
        defined[term] = true
    }

    // MARK: - IRI expansion

    func expandIRI(_ active: JSONLDContext, _ value: String, documentRelative: Bool = false, vocab: Bool = false) throws(Failure) -> String? {
        var defined: [String: Bool] = [:]
        var copy = active
        return try expandIRI(&copy, value, documentRelative: documentRelative, vocab: vocab, local: nil, defined: &defined)
    }

    func expandIRI(_ active: inout JSONLDContext, _ value: String, documentRelative: Bool = false, vocab: Bool = false,
                   local: JSONObject?, defined: inout [String: Bool]) throws(Failure) -> String? {
        if Self.keywords.contains(value) { return value }
        if Self.looksLikeKeyword(value) { return nil }
        if let local, local[value] != nil, defined[value] != true {
            try defineTerm(&active, local, value, &defined, baseURL: active.base)
        }
        if let t = active.terms[value], let iri = t.iri, Self.keywords.contains(iri) { return iri }
        if vocab, let t = active.terms[value] { return t.iri }
        if let colon = value.dropFirst().firstIndex(of: ":") {
            let prefix = String(value[..<colon]), suffix = String(value[value.index(after: colon)...])
            if prefix == "_" || suffix.hasPrefix("//") { return value }
            if let local, local[prefix] != nil, defined[prefix] != true {
                try defineTerm(&active, local, prefix, &defined, baseURL: active.base)
            }
            if let p = active.terms[prefix], let iri = p.iri, p.prefix { return iri + suffix }
            if IRI.isAbsolute(value) { return value }
        }
        if vocab, let v = active.vocab { return v + value }
        if documentRelative { return IRI.resolve(value, against: active.base) }
        return value
    }
}
