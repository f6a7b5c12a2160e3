import Foundation
import Testing
@testable import CredqKit

@Suite struct GraphLoaderTests {
    @Test func defaultCatalogLoadsWithTheStoryItTells() throws {
        let loaded = try GraphLoader.load(SourceFiles.defaultCatalogSources)
        #expect(loaded.warnings.isEmpty)
        let g = loaded.graph
        #expect(g.credentials.count >= 60)
        #expect(Set(g.organizations.map(\.kind)) == Set(OrganizationKind.allCases))
        #expect(Set(g.credentials.map(\.kind)) == Set(CredentialKind.allCases))
        // Every stack-rule shape appears: all, any, n of, credits, and nesting.
        let rules = g.credentials.compactMap(\.stack)
        #expect(rules.contains { if case .all = $0 { true } else { false } })
        #expect(rules.contains { r in if case .all(let items) = r { items.contains { if case .atLeast = $0 { true } else { false } } } else { false } })
        #expect(rules.contains { r in if case .all(let items) = r { items.contains { if case .credits = $0 { true } else { false } } } else { false } })
        for learner in ["jane", "mike", "claire", "rahul"] { #expect(g.index(of: learner, kind: .learner) != nil) }
        // Every role's needs can be taught at the level asked by something in the catalog.
        for role in g.roles {
            for need in role.needs {
                #expect(g.taughtBy[need.skill].contains { $0.level >= need.level }, "\(role.id) needs \(g.skills[need.skill].id) \(need.level)")
            }
        }
    }

    @Test func embeddedCatalogMatchesSeedsFolder() throws {
        for file in DefaultCatalog.files {
            let onDisk = try String(contentsOf: Support.root.appendingPathComponent(file.name), encoding: .utf8)
            #expect(onDisk == file.json + "\n", "\(file.name) changed: run scripts/embed-seeds.sh")
        }
        let seeds = try FileManager.default.contentsOfDirectory(atPath: Support.root.appendingPathComponent("seeds").path)
        #expect(Set(seeds.filter { $0.hasSuffix(".json") }.map { "seeds/" + $0 }) == Set(DefaultCatalog.files.map(\.name)))
    }

    @Test func mergesFilesAndNamesBothOnADuplicate() throws {
        let catalog = "{\"credq\": 1, \"organizations\": [{\"id\": \"o\", \"name\": \"O\", \"kind\": \"platform\"}], \"credentials\": [{\"id\": \"c\", \"name\": \"C\", \"kind\": \"badge\", \"provider\": \"o\"}]}"
        let records = "{\"credq\": 1, \"learners\": [{\"id\": \"l\", \"name\": \"L\", \"holds\": [{\"id\": \"h\", \"credential\": \"c\", \"issued\": \"2025-01-31\"}]}]}"
        let g = try Support.load([("catalog.json", catalog), ("records.json", records)]).graph
        #expect(g.learners[0].holdings[0].credential == 0)
        let twice = "{\"credq\": 1, \"organizations\": [{\"id\": \"o\", \"name\": \"Other\", \"kind\": \"employer\"}]}"
        #expect {
            try Support.load([("catalog.json", catalog), ("more.json", twice)])
        } throws: { error in
            (error as? GraphLoadError)?.errors.map(\.description)
                == ["more.json: organizations[0].id: error: duplicate organization id \"o\", first defined in catalog.json at organizations[0]"]
        }
    }

    @Test func reportsEveryErrorInABrokenFile() throws {
        let text = try String(contentsOf: Support.root.appendingPathComponent("Tests/Fixtures/broken-graph.json"), encoding: .utf8)
        do {
            _ = try Support.load([("broken.json", text)])
            Issue.record("a broken graph loaded")
        } catch {
            let lines = error.errors.map(\.description)
            let expected = [
                "broken.json: organizations[1].id: error: duplicate organization id \"acme\", first defined in broken.json at organizations[0]",
                "broken.json: organizations[1].kind: error: \"vendor\" is not one of university, platform, industry, employer, accreditor",
                "broken.json: credentials[0].teaches.s1: error: a level is a whole number from 1 to 4, found 5",
                "broken.json: credentials[0].cost: error: must not be negative, found -10",
                "broken.json: credentials[2].stack.n: error: asks for 3 items but \"of\" lists only 2",
                "broken.json: credentials[4]: error: missing required key \"id\"",
                "broken.json: learners[0].holds[0].issued: error: \"2024-02-30\" is not a date YYYY-MM-DD",
                "broken.json: credentials[1].provider: error: unknown organization id \"acmee\"; did you mean \"acme\"?",
                "broken.json: roles[0].needs.s3: error: unknown skill id \"s3\"; did you mean \"s1\" or \"s2\"?",
                "broken.json: credentials[0].requires: error: cycle in requires: c1 → c2 → c1",
                "broken.json: skills[0].broader: error: cycle in broader: s1 → s2 → s1",
                "broken.json: credentials[3].stack: error: cycle through stack rules: c4 → c4",
            ]
            #expect(Set(lines) == Set(expected))
            #expect(lines.count == expected.count)
            #expect(error.diagnostics.contains { $0.severity == .warning && $0.path == "credentials[3].colour" })
        }
    }

    /// Each small file breaks one rule of the format, and gets this one error.
    @Test(arguments: [
        ("[]", "f.json:1:1: error: a graph file must be a JSON object, found an array"),
        ("{}", "f.json:1:1: error: missing the \"credq\" key: a graph file starts with {\"credq\": 1, ...}"),
        ("{\"credq\": 2}", "f.json: credq: error: unsupported format version 2: this credq reads version 1"),
        ("{\"credq\": 1, \"skills\": {}}", "f.json: skills: error: expected an array, found an object"),
        ("{\"credq\": 1, \"skills\": [{\"id\": 5, \"name\": \"x\"}]}", "f.json: skills[0].id: error: expected a string, found a number"),
        ("{\"credq\": 1, \"skills\": [{\"id\": \"\", \"name\": \"x\"}]}", "f.json: skills[0].id: error: an id may not be empty"),
        ("{\"credq\": 1, \"roles\": [{\"id\": \"r\", \"name\": \"R\"}]}", "f.json: roles[0]: error: missing required key \"needs\""),
        ("{\"credq\": 1, \"organizations\": [{\"id\": \"o\", \"name\": \"O\", \"kind\": \"platform\"}], \"credentials\": [{\"id\": \"c\", \"name\": \"C\", \"kind\": \"badge\", \"provider\": \"o\", \"weeks\": \"two\"}]}",
         "f.json: credentials[0].weeks: error: expected a number, found a string"),
        ("{\"credq\": 1, \"organizations\": [{\"id\": \"o\", \"name\": \"O\", \"kind\": \"platform\"}], \"credentials\": [{\"id\": \"c\", \"name\": \"C\", \"kind\": \"badge\", \"provider\": \"o\", \"stack\": {\"all\": []}}]}",
         "f.json: credentials[0].stack.all: error: expected a non-empty array of rules, found an empty array"),
        ("{\"credq\": 1, \"organizations\": [{\"id\": \"o\", \"name\": \"O\", \"kind\": \"platform\"}], \"credentials\": [{\"id\": \"c\", \"name\": \"C\", \"kind\": \"badge\", \"provider\": \"o\", \"valid_months\": 0}]}",
         "f.json: credentials[0].valid_months: error: expected a whole number of months above 0, found 0"),
        ("{\"credq\": 1, \"learners\": [{\"id\": \"l\", \"name\": \"L\", \"goal\": \"nowhere\"}]}", "f.json: learners[0].goal: error: unknown role or credential id \"nowhere\""),
        ("{\"credq\": 1, \"organizations\": [{\"id\": \"o\", \"name\": \"O\", \"kind\": \"platform\"}], \"credentials\": [{\"id\": \"a\", \"name\": \"A\", \"kind\": \"badge\", \"provider\": \"o\"}, {\"id\": \"c\", \"name\": \"C\", \"kind\": \"badge\", \"provider\": \"o\", \"stack\": {\"credits\": 2, \"of\": [\"a\", \"a\"]}}]}",
         "f.json: credentials[1].stack.of[1]: error: \"a\" is listed twice in one rule"),
        ("{\"credq\": 1,\n \"skills\": [\n  {\"id\": \"a\" \"name\": \"A\"}]}", "f.json:3:14: error: expected ',' or '}' in an object, found '\"'"),
    ])
    func oneError(_ text: String, _ expected: String) {
        do {
            _ = try Support.load([("f.json", text)])
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.errors.map(\.description) == [expected])
        }
    }

    @Test func unknownKeysWarnOnceAndDoNotRefuse() throws {
        let text = "{\"credq\": 1, \"extra\": true, \"skills\": [{\"id\": \"a\", \"name\": \"A\", \"x\": 1}, {\"id\": \"b\", \"name\": \"B\", \"x\": 2}]}"
        let loaded = try Support.load([("f.json", text)])
        #expect(loaded.graph.skills.count == 2)
        #expect(loaded.warnings.map(\.path) == ["extra", "skills[0].x"])
    }

    @Test func savedGraphLoadsBackTheSame() throws {
        let g = Support.catalog
        let text = GraphWriter.json(g)
        let again = try Support.load([("saved.json", text)]).graph
        #expect(GraphWriter.json(again) == text)
        #expect(again.credentials.count == g.credentials.count)
        #expect(again.credentials.map(\.stack) == g.credentials.map(\.stack))
    }

    @Test func expiryComesFromValidMonths() throws {
        let g = Support.catalog
        let mike = g.learners[g.index(of: "mike", kind: .learner)!]
        let ccp = mike.holdings.first { $0.id == "mike-aws-ccp" }!
        #expect(g.expiry(of: ccp) == Day("2028-02-11"))
        #expect(Day("2024-01-31")!.adding(months: 1) == Day("2024-02-29"))
        #expect(Day("2023-02-29") == nil)
    }
}
