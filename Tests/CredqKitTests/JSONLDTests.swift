import Foundation
import Testing
@testable import CredqKit

/// The W3C JSON-LD 1.1 toRdf and expand test suites (Tests/Fixtures/json-ld-api, from w3c/json-ld-api
/// under the W3C test suite licence; see its LICENSE.md and SOURCE.md), run whole: each
/// positive toRdf test's quads must be isomorphic to the expected ones (compared through
/// RDFC-1.0), each positive expand test's output equal to the expected one by JSON-LD object
/// comparison, each negative test must fail with its error code. JSON-LD 1.0-only tests are not
/// run. The one toRdf test that fails, e075, wants generalized RDF with blank-node predicates,
/// which RDFC-1.0 does not relabel, so it cannot be compared this way.
/// The count that passes may only go up: it is recorded here and in the README.
@Suite struct JSONLDTests {
    static let folder = Support.root.appendingPathComponent("Tests/Fixtures/json-ld-api")
    static let suiteBase = "https://w3c.github.io/json-ld-api/tests/"

    static func json(_ path: String) -> JSONValue? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(path)) else { return nil }
        return try? JSONParser.parse(Array(data))
    }

    /// The suite's documents, by their URL, from the fixture folder; nothing else.
    static let loader: JSONLD.Loader = { url in
        guard url.hasPrefix(suiteBase) else { return nil }
        return json(String(url.dropFirst(suiteBase.count)))
    }

    enum Outcome: Equatable { case passed, failed(String), skipped }

    /// A test's kind, input and processor options; nil for a JSON-LD 1.0-only test.
    static func setUp(_ test: [String: Any]) -> (types: [String], input: String, options: JSONLD.Options)? {
        let option = test["option"] as? [String: Any] ?? [:]
        if option["specVersion"] as? String == "json-ld-1.0" { return nil }
        let input = test["input"] as! String
        var options = JSONLD.Options()
        options.base = (option["base"] as? String) ?? suiteBase + input
        if let mode = option["processingMode"] as? String { options.processingMode = mode }
        options.rdfDirection = option["rdfDirection"] as? String
        options.produceGeneralizedRdf = option["produceGeneralizedRdf"] as? Bool ?? false
        if let context = option["expandContext"] as? String { options.expandContext = json(context) }
        return (test["@type"] as? [String] ?? [], input, options)
    }

    static func run(_ test: [String: Any]) -> Outcome {
        guard let (types, input, options) = setUp(test) else { return .skipped }
        guard let document = json(input) else { return .failed("input not read") }
        let processor = JSONLD(options: options, loader: loader)
        do {
            let quads = try processor.toRDF(document)
            // With a context cache, twice (the second time from the cache): the same quads.
            let cached = JSONLD(options: options, loader: loader, cache: JSONLD.ContextCache())
            let first = try cached.toRDF(document), second = try cached.toRDF(document)
            guard first == quads, second == quads else { return .failed("a context cache changed the quads") }
            if types.contains("jld:NegativeEvaluationTest") { return .failed("expected \(test["expectErrorCode"] ?? "an error")") }
            guard let expect = test["expect"] as? String else { return .passed }
            let wanted = try NQuads.parse(try String(contentsOf: folder.appendingPathComponent(expect), encoding: .utf8), generalized: options.produceGeneralizedRdf)
            let canon = RDFCanonicalizer()
            let got = try canon.canonicalize(quads), want = try canon.canonicalize(wanted)
            return got == want ? .passed : .failed("got\n\(got)want\n\(want)")
        } catch let failure as JSONLD.Failure {
            if types.contains("jld:NegativeEvaluationTest"), failure.code == test["expectErrorCode"] as? String { return .passed }
            return .failed("error \(failure)")
        } catch {
            return .failed("\(error)")
        }
    }

    /// Runs a manifest's tests; the count that pass and that were run (JSON-LD 1.0-only ones are
    /// not), and with `reportVariable` set, a file of the failures.
    static func runManifest(_ name: String, reportVariable: String, _ run: ([String: Any]) -> Outcome) throws -> (passed: Int, run: Int, total: Int) {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        let tests = (try JSONSerialization.jsonObject(with: data) as! [String: Any])["sequence"] as! [[String: Any]]
        var passed = 0, ran = 0, report = ""
        for test in tests {
            switch run(test) {
            case .skipped: continue
            case .passed: passed += 1
            case .failed(let why): report += "\(test["@id"]!) \(test["name"] ?? ""): \(why)\n"
            }
            ran += 1
        }
        if let path = ProcessInfo.processInfo.environment[reportVariable] { try report.write(toFile: path, atomically: true, encoding: .utf8) }
        return (passed, ran, tests.count)
    }

    @Test func toRdfSuite() throws {
        let (passed, run, total) = try Self.runManifest("toRdf-manifest.jsonld", reportVariable: "CREDQ_JSONLD_REPORT", Self.run)
        print("JSON-LD toRdf: \(passed) of \(run) run pass (\(total - run) JSON-LD 1.0-only not run)")
        #expect(run == 456)
        #expect(passed >= Self.passing, "fewer toRdf tests pass than before: \(passed) < \(Self.passing)")
    }

    static let passing = 455

    /// JSON-LD object comparison, as the suite defines it: objects by their entries, arrays
    /// without regard to order except the values of `@list`.
    static func same(_ a: JSONValue, _ b: JSONValue, ordered: Bool = false) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            guard x.members.count == y.members.count else { return false }
            return x.members.allSatisfy { m in y[m.key].map { same(m.value, $0, ordered: m.key == "@list") } ?? false }
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            if ordered { return zip(x, y).allSatisfy { same($0, $1) } }
            var unused = Array(y.indices)
            for item in x {
                guard let i = unused.firstIndex(where: { same(item, y[$0]) }) else { return false }
                unused.remove(at: i)
            }
            return true
        default:
            return a == b
        }
    }

    static func runExpand(_ test: [String: Any]) -> Outcome {
        guard let (types, input, options) = setUp(test) else { return .skipped }
        guard let document = json(input) else { return .failed("input not read") }
        do {
            let expanded = JSONValue.array(try JSONLD(options: options, loader: loader).expand(document))
            if types.contains("jld:NegativeEvaluationTest") { return .failed("expected \(test["expectErrorCode"] ?? "an error")") }
            guard let expect = test["expect"] as? String, let wanted = json(expect) else { return .failed("no expected output") }
            let want: JSONValue = if case .array = wanted { wanted } else { .array([wanted]) }
            return same(expanded, want) ? .passed : .failed("got \(expanded.serialized()) want \(want.serialized())")
        } catch {
            if types.contains("jld:NegativeEvaluationTest"), error.code == test["expectErrorCode"] as? String { return .passed }
            return .failed("error \(error)")
        }
    }

    @Test func expandSuite() throws {
        let (passed, run, total) = try Self.runManifest("expand-manifest.jsonld", reportVariable: "CREDQ_JSONLD_EXPAND_REPORT", Self.runExpand)
        print("JSON-LD expand: \(passed) of \(run) run pass (\(total - run) JSON-LD 1.0-only not run)")
        #expect(run == 376)
        #expect(passed >= Self.expandPassing, "fewer expand tests pass than before: \(passed) < \(Self.expandPassing)")
    }

    static let expandPassing = 376
}
