/// IRIs as JSON-LD needs them: is it absolute, and RFC 3986 reference resolution.
enum IRI {
    /// Whether the text starts with a scheme (`http:`, `urn:`, `did:`): an absolute IRI.
    static func isAbsolute(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return false }
        let scheme = text[..<colon]
        guard let first = scheme.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
        return scheme.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "+" || $0 == "-" || $0 == ".") }
    }

    /// An absolute IRI or a blank node identifier that RDF can hold (no spaces, no angle brackets).
    static func isWellFormed(_ text: String) -> Bool {
        if text.hasPrefix("_:") { return text.count > 2 }
        guard isAbsolute(text) else { return false }
        // One fragment at most: a second `#` is not allowed in it.
        if text.unicodeScalars.filter({ $0 == "#" }).count > 1 { return false }
        return !text.unicodeScalars.contains { $0 == " " || $0 == "<" || $0 == ">" || $0 == "\"" || $0 == "{" || $0 == "}" || $0 == "|" || $0 == "\\" || $0 == "^" || $0 == "`" || $0.value < 0x20 }
    }

    fileprivate struct Parts {
        var scheme: String?
        var authority: String?
        var path: String
        var query: String?
        var fragment: String?

        init(_ text: String) {
            var rest = Substring(text)
            if let hash = rest.firstIndex(of: "#") {
                fragment = String(rest[rest.index(after: hash)...])
                rest = rest[..<hash]
            }
            if let q = rest.firstIndex(of: "?") {
                query = String(rest[rest.index(after: q)...])
                rest = rest[..<q]
            }
            if let colon = rest.firstIndex(of: ":"), IRI.isAbsolute(String(rest)), !rest[..<colon].contains("/") {
                scheme = String(rest[..<colon])
                rest = rest[rest.index(after: colon)...]
            }
            if rest.hasPrefix("//") {
                rest = rest.dropFirst(2)
                let end = rest.firstIndex(of: "/") ?? rest.endIndex
                authority = String(rest[..<end])
                rest = rest[end...]
            }
            path = String(rest)
        }

        var text: String {
            var out = ""
            if let scheme { out += scheme + ":" }
            if let authority { out += "//" + authority }
            out += path
            if let query { out += "?" + query }
            if let fragment { out += "#" + fragment }
            return out
        }
    }

    /// The reference resolved against the base (RFC 3986 section 5.2); the reference itself
    /// when there is no base.
    static func resolve(_ reference: String, against base: String?) -> String {
        guard let base else { return reference }
        let r = Parts(reference)
        if r.scheme != nil { return r.withPath(removeDots(r.path)).text }
        let b = Parts(base)
        var t = Parts("")
        t.scheme = b.scheme
        if r.authority != nil {
            t.authority = r.authority
            t.path = removeDots(r.path)
            t.query = r.query
        } else {
            t.authority = b.authority
            if r.path.isEmpty {
                t.path = b.path
                t.query = r.query ?? b.query
            } else {
                if r.path.hasPrefix("/") {
                    t.path = removeDots(r.path)
                } else {
                    let merged: String
                    if b.authority != nil, b.path.isEmpty {
                        merged = "/" + r.path
                    } else if let slash = b.path.lastIndex(of: "/") {
                        merged = String(b.path[...slash]) + r.path
                    } else {
                        merged = r.path
                    }
                    t.path = removeDots(merged)
                }
                t.query = r.query
            }
        }
        t.fragment = r.fragment
        return t.text
    }

    /// RFC 3986 section 5.2.4.
    static func removeDots(_ path: String) -> String {
        var input = Substring(path)
        var result = ""
        while !input.isEmpty {
            if input.hasPrefix("../") { input = input.dropFirst(3) }
            else if input.hasPrefix("./") { input = input.dropFirst(2) }
            else if input.hasPrefix("/./") { input = input.dropFirst(2) }
            else if input == "/." { input = "/" }
            else if input.hasPrefix("/../") {
                input = input.dropFirst(3)
                if let slash = result.lastIndex(of: "/") { result = String(result[..<slash]) } else { result = "" }
            } else if input == "/.." {
                input = "/"
                if let slash = result.lastIndex(of: "/") { result = String(result[..<slash]) } else { result = "" }
            } else if input == "." || input == ".." {
                input = ""
            } else {
                var end = input.index(after: input.startIndex)
                if input.first != "/" { end = input.startIndex }
                let next = input[end...].firstIndex(of: "/") ?? input.endIndex
                result += input[..<next]
                input = input[next...]
            }
        }
        return result
    }
}

private extension IRI.Parts {
    func withPath(_ path: String) -> IRI.Parts {
        var copy = self
        copy.path = path
        return copy
    }
}
