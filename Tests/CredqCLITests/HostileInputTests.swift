import Foundation
import Testing

/// Files and scripts from anyone: each hostile input gets its documented, located error and
/// exit status, in bounded time, and never a crash.
@Suite struct HostileInputTests {
    static func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let folder = try Harness.temporaryFolder()
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    static let graphs: [(name: String, bytes: [UInt8], error: String)] = [
        ("truncated.json", Array(#"{"credq": 1, "skills": ["#.utf8), "truncated.json:1:25: error: unexpected end of input, expected a value"),
        ("trailing.json", Array(#"{"credq": 1} x"#.utf8), "trailing.json:1:14: error: unexpected 'x' after the JSON value"),
        ("escape.json", Array(#"{"credq": 1, "skills": [{"id": "a\q", "name": "A"}]}"#.utf8), #"escape.json:1:34: error: invalid escape '\q' in a string"#),
        ("surrogate.json", Array(#"{"credq": 1, "skills": [{"id": "a", "name": "\ud800"}]}"#.utf8), #"surrogate.json:1:46: error: lone surrogate \uD800 in a string"#),
        ("utf8.json", Array(#"{"credq": 1, "skills": [{"id": "a", "name": ""#.utf8) + [0xFF] + Array(#""}]}"#.utf8), "utf8.json:1:46: error: invalid UTF-8 in a string"),
        ("bom.json", [0xEF, 0xBB, 0xBF] + Array(#"{"credq": 1}"#.utf8), "bom.json:1:1: error: a byte-order mark is not allowed at the start of JSON"),
        ("range.json", Array(#"{"credq": 1, "skills": [{"id": "a", "name": "A", "category": 1e400}]}"#.utf8), "range.json:1:62: error: number 1e400 is out of range"),
        ("duplicate.json", Array(#"{"credq": 1, "credq": 1}"#.utf8), #"duplicate.json:1:14: error: duplicate key "credq" in one object"#),
        ("deep.json", Array((#"{"credq": 1, "x": "# + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}").utf8),
         "deep.json:1:530: error: nesting deeper than 512 levels"),
        ("control.json", Array("{\"credq\": 1, \"skills\": [{\"id\": \"a\", \"name\": \"A\u{1}\"}]}".utf8), "control.json:1:47: error: control character U+0001 must be escaped in a string"),
        ("leading-zero.json", Array(#"{"credq": 01}"#.utf8), "leading-zero.json:1:11: error: a number may not start with a leading zero"),
        ("empty.json", [], "empty.json:1:1: error: unexpected end of input, expected a value"),
        ("nul.json", [0], #"nul.json:1:1: error: unexpected '\x0', expected a value"#),
    ]

    @Test(arguments: graphs.indices)
    func malformedJSONIsLocated(_ i: Int) throws {
        let (name, bytes, error) = Self.graphs[i]
        let path = try Self.file(name, bytes)
        let r = try Harness.run(["validate", name], in: URL(fileURLWithPath: path).deletingLastPathComponent())
        #expect(r.status == 4, "\(name): \(r.stderr)")
        #expect(r.stderr.hasPrefix(error), "\(name): \(r.stderr)")
        #expect(!r.stderr.contains("crashed"))
    }

    @Test func negativeZeroIsZeroAndAHundredMegabyteStringLoads() throws {
        let zero = try Self.file("zero.json", Array(#"{"credq": 1, "organizations": [{"id": "o", "name": "O", "kind": "platform"}], "credentials": [{"id": "c", "name": "C", "kind": "badge", "provider": "o", "cost": -0}]}"#.utf8))
        let r = try Harness.run(["-g", zero, "-c", "credentials | select cost"])
        #expect(r.stdout == "cost\n0\n")
        let huge = #"{"credq": 1, "skills": [{"id": "s", "name": ""# + String(repeating: "x", count: 100_000_000) + #""}]}"#
        let path = try Self.file("huge.json", Array(huge.utf8))
        let loaded = try Harness.run(["-g", path, "-c", "count skills"])
        #expect(loaded.status == 0)
        #expect(loaded.stdout == "count\n1\n")
    }

    static let scripts: [(name: String, text: String, status: Int32, stderr: String)] = [
        ("parens", "credentials where " + String(repeating: "(", count: 10_000) + "cost < 1" + String(repeating: ")", count: 10_000), 3,
         "parens.cq:1:219: error: nested more than 200 levels deep"),
        ("nots", "credentials where " + String(repeating: "not ", count: 5_000) + "cost < 1", 3, "nots.cq:1:819: error: nested more than 200 levels deep"),
        ("ands", "credentials where " + Array(repeating: "cost < 1", count: 3_000).joined(separator: " and "), 3,
         "ands.cq:1:13015: error: a condition joins more than 1000 parts with 'and' and 'or'"),
        ("counts", String(repeating: "count ", count: 5_000) + "credentials", 3, "counts.cq:1:"),
        ("big-number", "credentials | limit 99999999999999999999999999", 3, "big-number.cq:1:21: error: expected a whole number ≥ 0 after 'limit'"),
        ("huge-literal", "credentials where cost < 1e400", 1, "huge-literal.cq:1:26: error: cost is a number; compare it with a number, not \"1e400\""),
        ("meta", ".frobnicate", 3, "meta.cq:1:1: error: unknown meta-command \".frobnicate\""),
        ("unterminated", "count credentials\ncredentials where name = \"abc", 3, "unterminated.cq:2:26: error: unterminated string"),
        ("nul", "count credentials\u{0}\ncount roles\n", 3, "nul.cq:1:18: error: unexpected character '\\u{0}'"),
        ("reads-itself", ".read reads-itself.cq", 5, "reads-itself.cq:1:7: error: reads-itself.cq: .read nested too deeply (a script that reads itself?)"),
    ]

    @Test(arguments: scripts.indices)
    func hostileScriptsAreLocatedErrors(_ i: Int) throws {
        let (name, text, status, stderr) = Self.scripts[i]
        let path = try Self.file("\(name).cq", Array(text.utf8))
        let r = try Harness.run(["run", "\(name).cq"], in: URL(fileURLWithPath: path).deletingLastPathComponent())
        #expect(r.status == status, "\(name): \(r.stderr.prefix(300))")
        #expect(r.stderr.hasPrefix(stderr), "\(name): \(r.stderr.prefix(300))")
        #expect(!r.stderr.contains("crashed"))
    }

    /// Forty thousand errors (once rendered by rescanning the script for each: minutes) are
    /// reported in linear time: syntax errors capped at 100, run-time ones each on its line.
    @Test func thousandsOfErrorsAreReportedQuickly() throws {
        let syntax = try Self.file("syntax.cq", Array(String(repeating: ")\n", count: 40_000).utf8))
        let folder = URL(fileURLWithPath: syntax).deletingLastPathComponent()
        let r = try Harness.run(["check", "syntax.cq"], in: folder)
        #expect(r.status == 3)
        #expect(r.stderr.hasSuffix("syntax.cq: error: 40000 syntax errors; the first 100 are shown\n"))
        #expect(r.stderr.components(separatedBy: ": error:").count == 102)
        let runtime = folder.appendingPathComponent("runtime.cq")
        try String(repeating: "nosuchthing\n", count: 40_000).write(to: runtime, atomically: true, encoding: .utf8)
        let k = try Harness.run(["run", "--keep-going", "runtime.cq"], in: folder)
        #expect(k.status == 1)
        #expect(k.stderr.contains("runtime.cq:40000:1: error:"))
    }

    @Test func longPipelinesHugeStringsAndCRLFWork() throws {
        let stages = "credentials" + String(repeating: " | limit 5", count: 1_000) + " | count"
        #expect(try Harness.run(["-c", stages]).stdout == "count\n5\n")
        let literal = "count credentials where name = \"" + String(repeating: "y", count: 1_000_000) + "\""
        #expect(try Harness.run([], stdin: literal).stdout == "count\n0\n")
        let crlf = try Harness.run([], stdin: "count credentials\r\ncount roles\r\n")
        #expect(crlf.stdout == "count\n104\ncount\n10\n")
        #expect(crlf.status == 0)
        let ors = "count credentials where " + Array(repeating: "cost < 1", count: 999).joined(separator: " or ")
        #expect(try Harness.run(["-c", ors]).status == 0)
    }
}
