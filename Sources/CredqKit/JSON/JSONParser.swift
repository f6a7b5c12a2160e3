/// A strict RFC 8259 JSON reader over bytes, with the byte offset of every syntax error.
///
/// Strict means: no trailing commas, no comments, no byte-order mark, valid UTF-8 only,
/// no lone surrogates, no duplicate keys in one object, numbers that fit a Double, and
/// nesting at most `maxDepth` deep, so hostile input fails with a located error.
struct JSONParser {
    /// A syntax error at a byte offset of the input.
    struct SyntaxError: Error, Equatable, Sendable {
        var offset: Int
        var message: String
    }

    static let maxDepth = 512

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    private init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses one JSON document; only whitespace may follow it.
    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw SyntaxError(offset: 0, message: "a byte-order mark is not allowed at the start of JSON")
        }
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.index < bytes.count {
            throw SyntaxError(offset: parser.index, message: "unexpected \(parser.describeCurrent()) after the JSON value")
        }
        return value
    }

    /// Parses JSON documents written one after another, separated by whitespace only (as
    /// registries' exports and `jq` streams are): at least one.
    static func parseSequence(_ bytes: [UInt8]) throws(SyntaxError) -> [JSONValue] {
        var parser = JSONParser(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw SyntaxError(offset: 0, message: "a byte-order mark is not allowed at the start of JSON")
        }
        var values: [JSONValue] = []
        parser.skipWhitespace()
        repeat {
            values.append(try parser.parseValue())
            parser.skipWhitespace()
        } while parser.index < bytes.count
        return values
    }

    static func parse(_ text: String) throws(SyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    // MARK: - Values

    private mutating func parseValue() throws(SyntaxError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func parseObject() throws(SyntaxError) -> JSONValue {
        try enter()
        index += 1
        var object = JSONObject()
        var seen: Set<String>?  // only for large objects; small ones are scanned
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                throw error(index < bytes.count ? "expected a string key, found \(describeCurrent())" : "unexpected end of input inside an object")
            }
            let keyOffset = index
            let key = try parseString()
            let duplicate: Bool
            if object.members.count < 16 {
                duplicate = object.members.contains { $0.key == key }
            } else {
                if seen == nil { seen = Set(object.members.map(\.key)) }
                duplicate = !seen!.insert(key).inserted
            }
            if duplicate {
                throw SyntaxError(offset: keyOffset, message: "duplicate key \"\(key)\" in one object")
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else {
                throw error(index < bytes.count ? "expected ':' after a key, found \(describeCurrent())" : "unexpected end of input inside an object")
            }
            index += 1
            skipWhitespace()
            let value = try parseValue()
            object.members.append((key, value))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(object)
            case nil: throw error("unexpected end of input inside an object")
            default: throw error("expected ',' or '}' in an object, found \(describeCurrent())")
            }
        }
    }

    private mutating func parseArray() throws(SyntaxError) -> JSONValue {
        try enter()
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(items)
            case nil: throw error("unexpected end of input inside an array")
            default: throw error("expected ',' or ']' in an array, found \(describeCurrent())")
            }
        }
    }

    private mutating func enter() throws(SyntaxError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
    }

    // MARK: - Strings

    private mutating func parseString() throws(SyntaxError) -> String {
        let start = index
        index += 1
        // Fast path: no escapes, so the string is the bytes between the quotes.
        var end = index
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            end += 1
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let text = try decode(index, end)
            index = end + 1
            return text
        }
        // Slow path: unescape into a byte buffer, then decode it once.
        var buffer: [UInt8] = []
        var runStart = index
        while true {
            guard index < bytes.count else {
                throw SyntaxError(offset: start, message: "unterminated string")
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                _ = try decode(runStart, index)  // locates invalid UTF-8 in this run
                buffer.append(contentsOf: bytes[runStart..<index])
                index += 1
                return String(decoding: buffer, as: UTF8.self)
            }
            if byte < 0x20 {
                throw error("control character U+\(hex4(UInt32(byte))) must be escaped in a string")
            }
            if byte == UInt8(ascii: "\\") {
                _ = try decode(runStart, index)
                buffer.append(contentsOf: bytes[runStart..<index])
                buffer.append(contentsOf: String(try parseEscape()).utf8)
                runStart = index
                continue
            }
            index += 1
        }
    }

    /// The bytes from `from` to `to` as a string; invalid UTF-8 is an error at its offset.
    private func decode(_ from: Int, _ to: Int) throws(SyntaxError) -> String {
        guard let text = String(validating: bytes[from..<to], as: UTF8.self) else {
            throw SyntaxError(offset: from + Self.invalidUTF8Offset(bytes[from..<to]), message: "invalid UTF-8 in a string")
        }
        return text
    }

    private static func invalidUTF8Offset(_ slice: ArraySlice<UInt8>) -> Int {
        var i = slice.startIndex
        while i < slice.endIndex {
            var j = i + 1
            while j <= slice.endIndex, j - i <= 4 {
                if String(validating: slice[i..<j], as: UTF8.self) != nil { break }
                j += 1
            }
            if j > slice.endIndex || j - i > 4 { return i - slice.startIndex }
            i = j
        }
        return 0
    }

    private mutating func parseEscape() throws(SyntaxError) -> Unicode.Scalar {
        let escapeStart = index
        index += 1
        guard let c = peek() else { throw SyntaxError(offset: escapeStart, message: "unterminated escape in a string") }
        index += 1
        switch c {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try parseHex4(escapeStart)
            if (0xD800..<0xDC00).contains(high) {
                guard peek() == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                    throw SyntaxError(offset: escapeStart, message: "lone surrogate \\u\(hex4(high)) in a string")
                }
                let lowStart = index
                index += 2
                let low = try parseHex4(lowStart)
                guard (0xDC00..<0xE000).contains(low) else {
                    throw SyntaxError(offset: escapeStart, message: "lone surrogate \\u\(hex4(high)) in a string")
                }
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
            }
            if (0xDC00..<0xE000).contains(high) {
                throw SyntaxError(offset: escapeStart, message: "lone surrogate \\u\(hex4(high)) in a string")
            }
            return Unicode.Scalar(high)!
        default:
            throw SyntaxError(offset: escapeStart, message: "invalid escape '\\\(Self.printable(c))' in a string")
        }
    }

    private mutating func parseHex4(_ escapeStart: Int) throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = peek(), let digit = Self.hexValue(c) else {
                throw SyntaxError(offset: escapeStart, message: "\\u must be followed by four hex digits")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    private static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(c - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private func hex4(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    // MARK: - Numbers and literals

    private mutating func parseNumber() throws(SyntaxError) -> Double {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), Self.isDigit(first) else { throw error("expected a digit in a number") }
        if first == UInt8(ascii: "0") {
            index += 1
            if let next = peek(), Self.isDigit(next) {
                throw SyntaxError(offset: start, message: "a number may not start with a leading zero")
            }
        } else {
            while let c = peek(), Self.isDigit(c) { index += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let c = peek(), Self.isDigit(c) else { throw error("expected a digit after the decimal point") }
            while let c = peek(), Self.isDigit(c) { index += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let c = peek(), Self.isDigit(c) else { throw error("expected a digit in the exponent") }
            while let c = peek(), Self.isDigit(c) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw SyntaxError(offset: start, message: "number \(text) is out of range")
        }
        return value == 0 ? 0 : value  // -0 reads as 0
    }

    private mutating func expectLiteral(_ word: String) throws(SyntaxError) {
        for expected in word.utf8 {
            guard peek() == expected else { throw error("unexpected \(describeCurrent()), expected a value") }
            index += 1
        }
    }

    // MARK: - Helpers

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private func error(_ message: String) -> SyntaxError { SyntaxError(offset: index, message: message) }

    private func describeCurrent() -> String {
        guard let c = peek() else { return "end of input" }
        return "'\(Self.printable(c))'"
    }

    private static func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16, uppercase: true)
    }
}

extension JSONParser.SyntaxError {
    /// The 1-based line and column (in characters) of the error in `bytes`.
    func location(in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        let end = min(offset, bytes.count)
        for i in 0..<end where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).count + 1
        return (line, column)
    }
}
