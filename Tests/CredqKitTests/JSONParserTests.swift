import Testing
@testable import CredqKit

@Suite struct JSONParserTests {
    @Test(arguments: [
        ("{\"a\": [1, 2.5, -3e2, true, false, null, \"x\"]}", JSONValue.object(JSONObject(members: [("a", .array([.number(1), .number(2.5), .number(-300), .bool(true), .bool(false), .null, .string("x")]))]))),
        ("\"\\u00e9\\ud83d\\ude00\\n\\\"\"", .string("é😀\n\"")),
        ("  [ ]  ", .array([])),
        ("-0", .number(0)),
        ("\"caf\u{e9}\"", .string("café")),
    ])
    func accepts(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    /// Each malformed input fails with this message at this line and column.
    @Test(arguments: [
        ("", "unexpected end of input, expected a value", 1, 1),
        ("{\"a\": 1,}", "expected a string key, found '}'", 1, 9),
        ("[1, 2", "unexpected end of input inside an array", 1, 6),
        ("{\"a\": 1} x", "unexpected 'x' after the JSON value", 1, 10),
        ("\"abc", "unterminated string", 1, 1),
        ("\"a\\qb\"", "invalid escape '\\q' in a string", 1, 3),
        ("\"\\ud800\"", "lone surrogate \\uD800 in a string", 1, 2),
        ("\"\\udc00x\"", "lone surrogate \\uDC00 in a string", 1, 2),
        ("1e400", "number 1e400 is out of range", 1, 1),
        ("012", "a number may not start with a leading zero", 1, 1),
        ("{\"a\": 1, \"a\": 2}", "duplicate key \"a\" in one object", 1, 10),
        ("\n\n  tru", "unexpected end of input, expected a value", 3, 6),
        ("[\"tab\there\"]", "control character U+0009 must be escaped in a string", 1, 6),
        ("{'a': 1}", "expected a string key, found '''", 1, 2),
    ])
    func rejects(_ text: String, _ message: String, _ line: Int, _ column: Int) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("accepted malformed JSON: \(text)")
        } catch {
            #expect(error.message == message)
            let location = error.location(in: Array(text.utf8))
            #expect(location.line == line && location.column == column, "at \(location)")
        }
    }

    @Test func rejectsByteOrderMarkInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) }
        #expect(throws: JSONParser.SyntaxError(offset: 2, message: "invalid UTF-8 in a string")) {
            try JSONParser.parse([0x22, 0x61, 0xFF, 0x22])
        }
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParser.SyntaxError(offset: 512, message: "nesting deeper than 512 levels")) {
            try JSONParser.parse(deep)
        }
    }

    @Test func writesWhatItReads() throws {
        let text = "{\"name\":\"a \\\"b\\\"\\n\\u0001\",\"n\":[1,2.5,-3],\"o\":{}}"
        let value = try JSONParser.parse(text)
        #expect(value.serialized() == text)
        #expect(try JSONParser.parse(value.serialized(indent: 2)) == value)
    }
}
