import Foundation
import Testing
@testable import CredqKit

/// The JSON Schema in `schema/` describes format v1: it accepts the seeds and refuses broken
/// files. Checked with Python's `jsonschema` (a standard validator), where it is installed.
@Suite struct SchemaTests {
    static let schema = Support.root.appendingPathComponent("schema/credq-graph-v1.schema.json").path

    static let validator = """
        import json, sys
        import jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        v = jsonschema.Draft202012Validator(schema)
        for path in sys.argv[2:]:
            errors = list(v.iter_errors(json.load(open(path))))
            print(path, "valid" if not errors else "invalid")
        """

    static let available: Bool = {
        (try? python(["-c", "import jsonschema"]))?.status == 0
    }()

    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: available, "needs python3 with jsonschema (pip install jsonschema)"))
    func acceptsTheSeedsAndRefusesBrokenFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("credq-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let broken: [String: String] = [
            "no-version": "{\"skills\": []}",
            "bad-level": "{\"credq\": 1, \"roles\": [{\"id\": \"r\", \"name\": \"R\", \"needs\": {\"s\": 5}}]}",
            "bad-kind": "{\"credq\": 1, \"credentials\": [{\"id\": \"c\", \"name\": \"C\", \"kind\": \"diploma\", \"provider\": \"o\"}]}",
            "negative-cost": "{\"credq\": 1, \"credentials\": [{\"id\": \"c\", \"name\": \"C\", \"kind\": \"badge\", \"provider\": \"o\", \"cost\": -1}]}",
            "bad-rule": "{\"credq\": 1, \"credentials\": [{\"id\": \"c\", \"name\": \"C\", \"kind\": \"badge\", \"provider\": \"o\", \"stack\": {\"n\": 2}}]}",
            "bad-date": "{\"credq\": 1, \"learners\": [{\"id\": \"l\", \"name\": \"L\", \"holds\": [{\"id\": \"h\", \"credential\": \"c\", \"issued\": \"2024-13-01\"}]}]}",
            "version-2": "{\"credq\": 2}",
        ]
        var paths: [String] = []
        for (name, text) in broken.sorted(by: { $0.key < $1.key }) {
            let url = folder.appendingPathComponent("\(name).json")
            try text.write(to: url, atomically: true, encoding: .utf8)
            paths.append(url.path)
        }
        // A graph whose holding keeps a signed credential and whose issuer publishes a Multikey.
        let signed = try StatusListTests.fixtures().first { $0.0 == "valid.json" }!.1
        let withCredential = """
            {"credq": 1, "organizations": [{"id": "o", "name": "O", "kind": "university", "keys": ["\(StatusListTests.issuer.multikey)"]}],
             "credentials": [{"id": "c", "name": "C", "kind": "badge", "provider": "o"}],
             "learners": [{"id": "l", "name": "L", "holds": [{"id": "h", "credential": "c", "issued": "2026-01-01", "proof": \(JSONValue.object(signed).serialized())}]}]}
            """
        let signedGraph = folder.appendingPathComponent("signed-credential.json")
        try withCredential.write(to: signedGraph, atomically: true, encoding: .utf8)
        let seeds = ["organizations", "skills", "credentials", "roles", "learners"].map {
            Support.root.appendingPathComponent("seeds/\($0).json").path
        } + [signedGraph.path]
        let result = try Self.python(["-c", Self.validator, Self.schema] + seeds + paths)
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasSuffix(" valid") }.count == seeds.count, "\(result.output)")
        #expect(lines.filter { $0.hasSuffix(" invalid") }.count == broken.count, "\(result.output)")
        for seed in seeds { #expect(lines.contains("\(seed) valid")) }
    }

    /// The schema's objects have exactly the keys, and the required keys, that `Format`
    /// defines: the file cannot drift from the loaders.
    @Test func describesTheKeysFormatDefines() throws {
        guard case .object(let schema) = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: Self.schema)))),
              case .object(let defs)? = schema["$defs"] else {
            Issue.record("the schema has no $defs")
            return
        }
        func keys(_ o: JSONObject?) -> (properties: [String], required: Set<String>) {
            guard let o, case .object(let properties)? = o["properties"] else { return ([], []) }
            var required = Set<String>()
            if case .array(let items)? = o["required"] { for case .string(let k) in items { required.insert(k) } }
            return (properties.members.map(\.key), required)
        }
        func check<K: FormatKey>(_ object: JSONObject?, _ key: K.Type, _ label: String) {
            let found = keys(object)
            #expect(found.properties == K.names, "\(label)")
            #expect(found.required == Set(K.required.map(\.name)), "\(label)")
        }
        func def(_ name: String) -> JSONObject? { if case .object(let o)? = defs[name] { o } else { nil } }
        check(schema, Format.Top.self, "top")
        check(def("organization"), Format.Organization.self, "organization")
        check(def("skill"), Format.Skill.self, "skill")
        check(def("credential"), Format.Credential.self, "credential")
        check(def("role"), Format.Role.self, "role")
        check(def("learner"), Format.Learner.self, "learner")
        check(def("holding"), Format.Holding.self, "holding")
    }
}
