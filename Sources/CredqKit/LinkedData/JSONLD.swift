import Foundation

/// A JSON-LD 1.1 processor for what verifiable credentials need: expansion
/// (https://www.w3.org/TR/json-ld11-api/#expansion-algorithms) and deserialisation to RDF
/// (#deserialize-json-ld-to-rdf-algorithm). It never fetches: contexts come from `loader`,
/// which serves the contexts credq bundles and those a user gives as files.
struct JSONLD {
    struct Failure: Error, Equatable, CustomStringConvertible {
        /// The JSON-LD error code ("invalid term definition", "loading remote context failed", ...).
        var code: String
        var detail: String?
        init(_ code: String, _ detail: String? = nil) {
            self.code = code
            self.detail = detail
        }
        var description: String { detail.map { "\(code): \($0)" } ?? code }
    }

    /// Gives the document at a URL, or nil when it is not known (never from the network).
    typealias Loader = @Sendable (String) -> JSONValue?

    struct Options {
        var base: String?
        var processingMode = "json-ld-1.1"
        var rdfDirection: String?
        var produceGeneralizedRdf = false
        var expandContext: JSONValue?
    }

    var options: Options
    let loader: Loader
    /// Remote contexts already processed onto an empty context, shared by the documents one
    /// verification run reads (the credentials context is the same for each, and dear).
    let cache: ContextCache?

    init(options: Options = Options(), loader: @escaping Loader, cache: ContextCache? = nil) {
        self.options = options
        self.loader = loader
        self.cache = cache
    }

    /// A scoped context processed onto a context: which context, and which term's context.
    struct ScopedKey: Hashable {
        var active: Int
        var base: String?
        var originalBase: String?
        var owner: Int
        var term: String
        var overrideProtected: Bool
        var propagate: Bool
    }

    /// A term's scoped context (property-, type-, nest- or map-scoped) applied to `active`:
    /// the same every time for the same context and term, so kept for the run when the
    /// processor has a cache and both contexts have stamps.
    func processScoped(_ active: JSONLDContext, owner: JSONLDContext, term: String, overrideProtected: Bool = false,
                       propagate: Bool = true) throws(Failure) -> JSONLDContext {
        guard let definition = owner.terms[term], let scoped = definition.context else { return active }
        guard let cache, owner.stamp != 0 else {
            return try process(active, scoped, baseURL: definition.baseURL, overrideProtected: overrideProtected, propagate: propagate)
        }
        let key = ScopedKey(active: active.stamp, base: active.base, originalBase: active.originalBase, owner: owner.stamp, term: term,
                            overrideProtected: overrideProtected, propagate: propagate)
        if let hit = cache.scoped(key) { return hit }
        let result = try process(active, scoped, baseURL: definition.baseURL, overrideProtected: overrideProtected, propagate: propagate)
        cache.putScoped(key, result)
        return result
    }

    /// What a verification run processes once: remote contexts (and lists of them) onto an
    /// empty or a processed context, by URL, and scoped contexts onto the contexts they meet.
    /// Its processors use the default options.
    final class ContextCache: @unchecked Sendable {
        private let contexts = Memo<String>()
        private let scopedContexts = Memo<ScopedKey>()

        init() {}

        func get(_ key: String) -> JSONLDContext? { contexts[key] }
        func put(_ key: String, _ context: JSONLDContext) { contexts[key] = context }
        func scoped(_ key: ScopedKey) -> JSONLDContext? { scopedContexts[key] }
        func putScoped(_ key: ScopedKey, _ context: JSONLDContext) { scopedContexts[key] = context }

        /// Processed contexts by key, behind a lock; at most `limit`, then it starts again.
        final class Memo<Key: Hashable>: @unchecked Sendable {
            private let lock = NSLock()
            private var entries: [Key: JSONLDContext] = [:]
            let limit = 20_000

            subscript(key: Key) -> JSONLDContext? {
                get {
                    lock.lock()
                    defer { lock.unlock() }
                    return entries[key]
                }
                set {
                    lock.lock()
                    defer { lock.unlock() }
                    if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
                    entries[key] = newValue
                }
            }
        }
    }

    func load(_ iri: String, context: Bool) throws(Failure) -> JSONValue {
        let url = iri.split(separator: "#", maxSplits: 1).first.map(String.init) ?? iri
        guard let document = loader(url) else {
            throw Failure(context ? "loading remote context failed" : "loading document failed", url)
        }
        return document
    }

    // MARK: - Expansion

    /// The expanded form of a document: an array of node objects.
    func expand(_ document: JSONValue) throws(Failure) -> [JSONValue] {
        var active = JSONLDContext(base: options.base)
        if let extra = options.expandContext {
            let local: JSONValue = if case .object(let o) = extra, let c = o["@context"] { c } else { extra }
            active = try process(active, local, baseURL: options.base)
        }
        var result = try expand(active, nil, document, baseURL: options.base)
        if case .object(let o)? = result, o.members.count == 1, let g = o["@graph"] { result = g }
        switch result {
        case nil: return []
        case .array(let items)?: return items
        case let single?: return [single]
        }
    }

    private static func array(_ v: JSONValue?) -> [JSONValue] {
        switch v {
        case nil, .null?: []
        case .array(let items)?: items
        case let x?: [x]
        }
    }

    private static func object(_ dict: [String: JSONValue]) -> JSONValue {
        .object(JSONObject(members: dict.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
    }

    private static func isScalar(_ v: JSONValue) -> Bool {
        switch v {
        case .string, .number, .bool: true
        default: false
        }
    }

    func expand(_ active: JSONLDContext, _ activeProperty: String?, _ element: JSONValue, baseURL: String?, fromMap: Bool = false) throws(Failure) -> JSONValue? {
        var active = active
        if case .null = element { return nil }
        let owner = active
        let definition = activeProperty.flatMap { active.terms[$0] }
        let propertyScoped = definition?.context
        if Self.isScalar(element) {
            if activeProperty == nil || activeProperty == "@graph" { return nil }
            if propertyScoped != nil { active = try processScoped(active, owner: owner, term: activeProperty!) }
            return try expandValue(active, activeProperty!, element)
        }
        if case .array(let items) = element {
            var result: [JSONValue] = []
            for item in items {
                var expanded = try expand(active, activeProperty, item, baseURL: baseURL, fromMap: fromMap)
                if definition?.container.contains("@list") == true, case .array(let list)? = expanded {
                    expanded = Self.object(["@list": .array(list)])
                }
                switch expanded {
                case .array(let more)?: result += more
                case let one?: result.append(one)
                case nil: break
                }
            }
            return .array(result)
        }
        guard case .object(let object) = element else { return nil }
        // A context that does not propagate reverts, except for value objects and lone @id.
        if let previous = active.previous, !fromMap {
            let expandedKeys = object.members.map { (try? expandIRI(active, $0.key, vocab: true)) ?? nil }
            let isValue = expandedKeys.contains("@value")
            let loneID = object.members.count == 1 && expandedKeys.first == "@id"
            if !isValue, !loneID { active = previous.context }
        }
        if propertyScoped != nil { active = try processScoped(active, owner: owner, term: activeProperty!, overrideProtected: true) }
        if let c = object["@context"] { active = try process(active, c, baseURL: baseURL) }
        let typeScoped = active
        var inputType: String?
        for (key, value) in object.members.sorted(by: { $0.key < $1.key }) where try expandIRI(active, key, vocab: true) == "@type" {
            let types = Self.array(value).compactMap { if case .string(let s) = $0 { s } else { nil } }.sorted()
            for t in types {
                if typeScoped.terms[t]?.context != nil {
                    active = try processScoped(active, owner: typeScoped, term: t, propagate: false)
                }
            }
            if inputType == nil, let last = Self.array(value).last, case .string(let s) = last {
                inputType = try expandIRI(active, s, vocab: true)
            }
        }
        var result: [String: JSONValue] = [:]
        try expandObject(object, active: active, typeScoped: typeScoped, activeProperty: activeProperty, inputType: inputType,
                         baseURL: baseURL, into: &result)
        if let value = result["@value"] {
            let allowed: Set<String> = ["@direction", "@index", "@language", "@type", "@value"]
            if result.keys.contains(where: { !allowed.contains($0) }) { throw Failure("invalid value object") }
            if (result["@language"] != nil || result["@direction"] != nil) && result["@type"] != nil { throw Failure("invalid value object") }
            if result["@type"] == .string("@json") {
                // Any JSON.
            } else if value == .null || value == .array([]) {
                return nil
            } else if !Self.isScalar(value) {
                throw Failure("invalid value object value")
            } else if case .string = value {
            } else if result["@language"] != nil {
                throw Failure("invalid language-tagged value")
            }
            if let t = result["@type"] {
                guard case .string(let type) = t, type == "@json" || (IRI.isAbsolute(type) && IRI.isWellFormed(type)) else { throw Failure("invalid typed value") }
            }
        } else if let t = result["@type"], !(t.isArray) {
            result["@type"] = .array([t])
        } else if result["@set"] != nil || result["@list"] != nil {
            let others = result.keys.filter { $0 != "@set" && $0 != "@list" && $0 != "@index" }
            if !others.isEmpty || (result["@set"] != nil && result["@list"] != nil) { throw Failure("invalid set or list object") }
            if let set = result["@set"] { return set }
        }
        if result.count == 1, result["@language"] != nil { return nil }
        if activeProperty == nil || activeProperty == "@graph" {
            if result.isEmpty || result["@value"] != nil || result["@list"] != nil { return nil }
            if result.count == 1, result["@id"] != nil { return nil }
        }
        return Self.object(result)
    }

    private func expandObject(_ element: JSONObject, active: JSONLDContext, typeScoped: JSONLDContext, activeProperty: String?, inputType: String?,
                              baseURL: String?, into result: inout [String: JSONValue]) throws(Failure) {
        var nests: [String] = []
        for (key, value) in element.members.sorted(by: { $0.key < $1.key }) {
            if key == "@context" { continue }
            guard let property = try expandIRI(active, key, vocab: true), property.utf8.contains(UInt8(ascii: ":")) || Self.keywords.contains(property) else { continue }
            if Self.keywords.contains(property) {
                if activeProperty == "@reverse" { throw Failure("invalid reverse property map") }
                if result[property] != nil, property != "@included", property != "@type" { throw Failure("colliding keywords", property) }
                var expanded: JSONValue?
                switch property {
                case "@id":
                    guard case .string(let id) = value else { throw Failure("invalid @id value") }
                    expanded = try expandIRI(active, id, documentRelative: true).map(JSONValue.string) ?? .null
                case "@type":
                    var types: [JSONValue] = []
                    switch value {
                    case .string(let t): types = [try expandIRI(typeScoped, t, documentRelative: true, vocab: true).map(JSONValue.string) ?? .null]
                    case .array(let items):
                        for item in items {
                            guard case .string(let t) = item else { throw Failure("invalid type value") }
                            types.append(try expandIRI(typeScoped, t, documentRelative: true, vocab: true).map(JSONValue.string) ?? .null)
                        }
                    default: throw Failure("invalid type value")
                    }
                    if let existing = result["@type"] { types = Self.array(existing) + types }
                    expanded = types.count == 1 && !value.isArray && result["@type"] == nil ? types[0] : .array(types)
                case "@graph":
                    expanded = .array(Self.array(try expand(active, "@graph", value, baseURL: baseURL)))
                case "@included":
                    if options.processingMode == "json-ld-1.0" { continue }
                    // Only node objects may be included (a string or a value is an error, not dropped).
                    if Self.array(value).contains(where: { !$0.isObject }) { throw Failure("invalid @included value") }
                    // A value object or a list object (under any alias) is not a node either.
                    for case .object(let raw) in Self.array(value) {
                        for key in raw.members.map(\.key) where ["@value", "@list"].contains(try expandIRI(active, key, vocab: true)) {
                            throw Failure("invalid @included value")
                        }
                    }
                    let items = Self.array(try expand(active, nil, value, baseURL: baseURL))
                    for item in items {
                        guard case .object(let o) = item, o["@value"] == nil, o["@list"] == nil, o["@set"] == nil else {
                            throw Failure("invalid @included value")
                        }
                    }
                    expanded = .array(Self.array(result["@included"]) + items)
                case "@value":
                    if inputType == "@json" {
                        expanded = value
                    } else {
                        guard value == .null || Self.isScalar(value) else { throw Failure("invalid value object value") }
                        expanded = value
                    }
                case "@language":
                    guard case .string = value else { throw Failure("invalid language-tagged string") }
                    expanded = value
                case "@direction":
                    if options.processingMode == "json-ld-1.0" { continue }
                    guard value == .string("ltr") || value == .string("rtl") else { throw Failure("invalid base direction") }
                    expanded = value
                case "@index":
                    guard case .string = value else { throw Failure("invalid @index value") }
                    expanded = value
                case "@list":
                    if activeProperty == nil || activeProperty == "@graph" { continue }
                    expanded = .array(Self.array(try expand(active, activeProperty, value, baseURL: baseURL)))
                case "@set":
                    expanded = try expand(active, activeProperty, value, baseURL: baseURL)
                case "@reverse":
                    guard case .object = value else { throw Failure("invalid @reverse value") }
                    guard case .object(let reversed)? = try expand(active, "@reverse", value, baseURL: baseURL) else { continue }
                    if let inner = reversed["@reverse"], case .object(let forward) = inner {
                        for (p, items) in forward.members { result[p] = .array(Self.array(result[p]) + Self.array(items)) }
                    }
                    var map: [String: JSONValue] = [:]
                    if case .object(let existing)? = result["@reverse"] { for (k, v) in existing.members { map[k] = v } }
                    for (p, items) in reversed.members where p != "@reverse" {
                        for item in Self.array(items) {
                            if case .object(let o) = item, o["@value"] != nil || o["@list"] != nil { throw Failure("invalid reverse property value") }
                            map[p] = .array(Self.array(map[p]) + [item])
                        }
                    }
                    if !map.isEmpty { result["@reverse"] = Self.object(map) }
                    continue
                case "@nest":
                    nests.append(key)
                    continue
                default:
                    continue
                }
                if expanded == nil, property == "@value", inputType != "@json" { result["@value"] = .null; continue }
                if let expanded { result[property] = expanded }
                continue
            }
            let definition = active.terms[key]
            let container = definition?.container ?? []
            var expanded: JSONValue?
            if definition?.type == "@json" {
                expanded = Self.object(["@value": value, "@type": .string("@json")])
            } else if container.contains("@language"), case .object(let map) = value {
                var items: [JSONValue] = []
                let direction = definition?.direction ?? active.direction
                for (language, languageValue) in map.members.sorted(by: { $0.key < $1.key }) {
                    for item in Self.array(languageValue) {
                        if item == .null { continue }
                        guard case .string = item else { throw Failure("invalid language map value") }
                        var v: [String: JSONValue] = ["@value": item]
                        if language != "@none", try expandIRI(active, language, vocab: true) != "@none" { v["@language"] = .string(language) }
                        if let direction { v["@direction"] = .string(direction) }
                        items.append(Self.object(v))
                    }
                }
                expanded = .array(items)
            } else if !container.isDisjoint(with: ["@index", "@type", "@id"]), case .object(let map) = value {
                var items: [JSONValue] = []
                let indexKey = definition?.index ?? "@index"
                for (index, indexValue) in map.members.sorted(by: { $0.key < $1.key }) {
                    var mapContext = active
                    if container.contains("@id") || container.contains("@type") { mapContext = active.previous?.context ?? active }
                    if container.contains("@type"), mapContext.terms[index]?.context != nil {
                        mapContext = try processScoped(mapContext, owner: mapContext, term: index)
                    }
                    let expandedIndex = try expandIRI(active, index, vocab: true)
                    for var item in Self.array(try expand(mapContext, key, .array(Self.array(indexValue)), baseURL: baseURL, fromMap: true)) {
                        if container.contains("@graph"), case .object(let o) = item, o["@graph"] == nil {
                            item = Self.object(["@graph": .array([item])])
                        }
                        guard case .object(var o) = item else { continue }
                        if container.contains("@index"), indexKey != "@index", expandedIndex != "@none" {
                            let reExpanded = try expandValue(active, indexKey, .string(index))
                            guard let indexProperty = try expandIRI(active, indexKey, vocab: true) else { continue }
                            o.set(indexProperty, .array([reExpanded] + Self.array(o[indexProperty])))
                            if o["@value"] != nil { throw Failure("invalid value object") }
                        } else if container.contains("@index"), o["@index"] == nil, expandedIndex != "@none" {
                            o.set("@index", .string(index))
                        } else if container.contains("@id"), o["@id"] == nil, expandedIndex != "@none" {
                            o.set("@id", try expandIRI(active, index, documentRelative: true).map(JSONValue.string) ?? .null)
                        } else if container.contains("@type"), expandedIndex != "@none", let t = expandedIndex {
                            o.set("@type", .array([.string(t)] + Self.array(o["@type"])))
                        }
                        items.append(.object(o))
                    }
                }
                expanded = .array(items)
            } else {
                expanded = try expand(active, key, value, baseURL: baseURL)
            }
            guard var expandedValue = expanded else { continue }
            if expandedValue == .array([]) && !container.contains("@list") && result[property] != nil { continue }
            if container.contains("@list"), !(expandedValue.isObject && expandedValue.member("@list") != nil) {
                expandedValue = Self.object(["@list": .array(Self.array(expandedValue))])
            }
            if container.contains("@graph"), !container.contains("@id"), !container.contains("@index") {
                expandedValue = .array(Self.array(expandedValue).map { Self.object(["@graph": .array(Self.array($0))]) })
            }
            if definition?.reverse == true {
                var map: [String: JSONValue] = [:]
                if case .object(let existing)? = result["@reverse"] { for (k, v) in existing.members { map[k] = v } }
                for item in Self.array(expandedValue) {
                    if case .object(let o) = item, o["@value"] != nil || o["@list"] != nil { throw Failure("invalid reverse property value") }
                    map[property] = .array(Self.array(map[property]) + [item])
                }
                result["@reverse"] = Self.object(map)
            } else {
                result[property] = .array(Self.array(result[property]) + Self.array(expandedValue))
            }
        }
        for key in nests {
            // A nesting term's own context applies to what it nests.
            var nestContext = active
            if active.terms[key]?.context != nil {
                nestContext = try processScoped(active, owner: active, term: key, overrideProtected: true)
            }
            for nested in Self.array(element[key]) {
                guard case .object(let o) = nested,
                      !o.members.contains(where: { ((try? expandIRI(nestContext, $0.key, vocab: true)) ?? nil) == "@value" }) else {
                    throw Failure("invalid @nest value")
                }
                try expandObject(o, active: nestContext, typeScoped: typeScoped, activeProperty: activeProperty, inputType: inputType,
                                 baseURL: baseURL, into: &result)
            }
        }
    }

    func expandValue(_ active: JSONLDContext, _ activeProperty: String, _ value: JSONValue) throws(Failure) -> JSONValue {
        let definition = active.terms[activeProperty]
        if definition?.type == "@id", case .string(let s) = value {
            return Self.object(["@id": try expandIRI(active, s, documentRelative: true).map(JSONValue.string) ?? .null])
        }
        if definition?.type == "@vocab", case .string(let s) = value {
            return Self.object(["@id": try expandIRI(active, s, documentRelative: true, vocab: true).map(JSONValue.string) ?? .null])
        }
        var result: [String: JSONValue] = ["@value": value]
        if let type = definition?.type, !["@id", "@vocab", "@none"].contains(type) {
            result["@type"] = .string(type)
        } else if case .string = value {
            let language = definition?.language ?? active.language
            if let language { result["@language"] = .string(language) }
            let direction = definition?.direction ?? active.direction
            if let direction { result["@direction"] = .string(direction) }
        }
        return Self.object(result)
    }
}

extension JSONValue {
    var isArray: Bool { if case .array = self { true } else { false } }
    var isObject: Bool { if case .object = self { true } else { false } }
    func member(_ key: String) -> JSONValue? { if case .object(let o) = self { o[key] } else { nil } }
}
