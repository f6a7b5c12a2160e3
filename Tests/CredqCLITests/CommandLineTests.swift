import Foundation
import Testing

/// The command line driven as a process: exit statuses, stdout against stderr, formats.
@Suite struct CommandLineTests {
    @Test func queryInAPipeAnswersInTSVWithNothingElseOnStdout() throws {
        let r = try Harness.run(["-c", "credentials where cost > 1000 and kind = degree | select id, cost | sort by cost desc, id"])
        #expect(r.status == 0)
        #expect(r.stderr == "")
        #expect(r.stdout == "id\tcost\nbs-mechanical-engineering\t84000\nbsc-computer-science\t84000\nba-communications\t76000\nmba\t62000\n")
    }

    @Test func everyDashCRunsInOrder() throws {
        let r = try Harness.run(["-c", "roles | count", "-c", "skills | count; learners | count"])
        #expect(r.status == 0)
        #expect(r.stdout == "count\n10\ncount\n40\ncount\n4\n")
        #expect(r.stderr == "")
        // As with several scripts: the first failure stops the rest, unless --keep-going.
        let stopped = try Harness.run(["-c", "skills of nobody", "-c", "roles | count"])
        #expect(stopped.status == 1 && stopped.stdout == "")
        let kept = try Harness.run(["--keep-going", "-c", "skills of nobody", "-c", "roles | count"])
        #expect(kept.status == 1 && kept.stdout == "count\n10\n")
    }

    @Test func trustDecidesWhichHoldingsCountAndTheNoteGoesToStderr() throws {
        let plain = try Harness.run(["--at", "2026-11-30", "-c", "skills of jane | select id, level | where id = content-strategy"])
        #expect(plain.status == 0)
        #expect(plain.stdout == "id\tlevel\ncontent-strategy\t2\n")
        #expect(plain.stderr == "note: 1 holding not counted: HubSpot Content Marketing Certification (Jane Okafor) — tampered; .trust any counts it\n")
        let any = try Harness.run(["--at", "2026-11-30", "--trust", "any", "-c", "skills of jane | select id, level | where id = content-strategy"])
        #expect(any.stdout == "id\tlevel\ncontent-strategy\t3\n" && any.stderr == "")
        let wrong = try Harness.run(["--trust", "some", "-c", "count roles"])
        #expect(wrong.status == 2 && wrong.stderr.contains("--trust takes any, unrefuted or verified, got 'some'"))
    }

    @Test func aParameterStandsWhereverALiteralMay() throws {
        let r = try Harness.run(["-p", "n=2", "-p", "budget=300", "-p", "day=2025-11-29", "--trust", "any", "-c", """
            credentials where cost < $budget | sort by cost desc, id | limit $n | select id
            stacks toward data analyst max cost $budget limit $n | select rank
            verify rahul-tableau as of $day | select status
            """])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "id\nahima-chda\npcap\nrank\n1\n2\nstatus\nvalid\n")
        let wrong = try Harness.run(["-p", "n=two", "-c", "credentials | limit $n"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("error: limit takes a whole number ≥ 0; $n is \"two\""))
        let missing = try Harness.run(["-c", "verify as of $when"])
        #expect(missing.status == 1 && missing.stderr.contains("unknown parameter or variable \"$when\""))
    }

    /// --catalog (and .load --catalog): the built-in catalog first, then the -g files, so a
    /// learner's records can name the catalog's credentials.
    @Test func catalogJoinsTheBuiltInCatalogToTheFilesLoaded() throws {
        let folder = try Harness.temporaryFolder()
        let team = folder.appendingPathComponent("team.json")
        try #"{"credq": 1, "learners": [{"id": "sam", "name": "Sam Doe", "holds": [{"id": "sam-1", "credential": "aws-cloud-practitioner", "issued": "2025-03-01"}]}]}"#
            .write(to: team, atomically: true, encoding: .utf8)
        #expect(try Harness.run(["-g", team.path, "-c", "count learners"]).status == 4)
        let joined = try Harness.run(["--catalog", "-g", team.path, "-c", "learners | count", "-c", "skills of sam | select id"])
        #expect(joined.status == 0)
        #expect(joined.stdout == "count\n5\nid\naws-platform\ncloud-computing\nsecurity-fundamentals\n")
        let alone = folder.appendingPathComponent("alone.json")
        try #"{"credq": 1, "learners": [{"id": "sam", "name": "Sam Doe"}]}"#.write(to: alone, atomically: true, encoding: .utf8)
        let loaded = try Harness.run(["-g", alone.path], stdin: "count credentials\n.load --catalog\ncount credentials\n")
        #expect(loaded.status == 0)
        #expect(loaded.stdout == "count\n0\ncount\n104\n")
        #expect(loaded.stderr == "loaded the default catalog: 104 credentials, 5 learners in all\n")
    }

    @Test func scriptOnStdinPrintsOnlyResults() throws {
        let r = try Harness.run([], stdin: "count credentials\n# a comment\ncount roles; count learners\n")
        #expect(r.status == 0)
        #expect(r.stdout == "count\n104\ncount\n10\ncount\n4\n")
        #expect(r.stderr == "")
    }

    @Test func misspeltNameIsALocatedErrorOnStderr() throws {
        let r = try Harness.run(["-c", "skills of role cloud archtect"])
        #expect(r.status == 1)
        #expect(r.stdout == "")
        #expect(r.stderr == """
            -c:1:16: error: unknown role "cloud archtect"
              skills of role cloud archtect
                             ^~~~~~~~~~~~~~
            help: did you mean "Cloud Solutions Architect" (alias "cloud architect")?

            """)
    }

    @Test func exitStatusesAreDistinct() throws {
        #expect(try Harness.run(["-c", "count credentials"]).status == 0)
        #expect(try Harness.run(["-c", "skills of nobody at all"]).status == 1)
        #expect(try Harness.run(["--no-such-flag"]).status == 2)
        #expect(try Harness.run(["-f", "yaml", "-c", "count roles"]).status == 2)
        #expect(try Harness.run(["-c", "credentials where"]).status == 3)
        #expect(try Harness.run(["-g", "Tests/Fixtures/broken-graph.json", "-c", "count credentials"]).status == 4)
        #expect(try Harness.run(["-g", "/nonexistent/graph.json", "-c", "count credentials"]).status == 5)
        #expect(try Harness.run(["run", "/nonexistent/script.cq"]).status == 5)
    }

    @Test func helpListsExitStatusesAndVersionPrints() throws {
        let help = try Harness.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("4    invalid graph data"))
        let version = try Harness.run(["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("credq "))
    }

    @Test func stopsAtTheFirstErrorUnlessKeepGoing() throws {
        let script = "count roles\nskills of nobody\ncount learners\nskills of nothing\n"
        let stop = try Harness.run([], stdin: script)
        #expect(stop.status == 1)
        #expect(stop.stdout == "count\n10\n")
        #expect(stop.stderr.components(separatedBy: "error:").count == 2)
        let on = try Harness.run(["--keep-going"], stdin: script)
        #expect(on.status == 1)
        #expect(on.stdout == "count\n10\ncount\n4\n")
        #expect(on.stderr.components(separatedBy: "error:").count == 3)
    }

    @Test func syntaxErrorsRunNothing() throws {
        let r = try Harness.run([], stdin: "count roles\ncredentials | sort cost\n")
        #expect(r.status == 3)
        #expect(r.stdout == "")
        #expect(r.stderr.hasPrefix("<stdin>:2:20: error: expected 'by', found 'cost'"))
    }

    @Test func parametersFillDollarNames() throws {
        let r = try Harness.run(["-p", "budget=45", "--param", "who=mike", "-c", "count credentials where cost < $budget; skills of $who | count"])
        #expect(r.stdout == "count\n25\ncount\n9\n")
        #expect(try Harness.run(["-p", "novalue", "-c", "count roles"]).status == 2)
    }

    @Test func jsonParsesAndKeepsEntitiesAsObjects() throws {
        let r = try Harness.run(["-f", "json", "-c", "credentials where id = pcap | select id, provider, requires, cost; count roles"])
        #expect(r.status == 0)
        // Two statements: two JSON arrays, one after the other.
        let parts = r.stdout.components(separatedBy: "]\n[")
        #expect(parts.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data((parts[0] + "]").utf8)) as? [[String: Any]]
        let row = try #require(first?.first)
        #expect(row["id"] as? String == "pcap")
        #expect((row["provider"] as? [String: Any])?["id"] as? String == "python-institute")
        #expect(((row["requires"] as? [[String: Any]])?.first)?["name"] as? String == "PCEP Certified Entry-Level Python Programmer")
        #expect(row["cost"] as? Int == 295)
        if let jq = try Harness.tool("jq", ["-c", "-s", "map(length)"], stdin: r.stdout) {
            #expect(jq.status == 0 && jq.stdout == "[1,1]\n")
        }
    }

    @Test func ndjsonIsOneObjectALine() throws {
        let r = try Harness.run(["-f", "ndjson", "-c", "skills of pcap"])
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines { #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any]) }
    }

    @Test func csvReadsBackUnchangedThroughPythonsReader() throws {
        let query = "credentials where teaches python | select id, name, teaches, cost | sort by id"
        let csv = try Harness.run(["-f", "csv", "-c", query])
        let tsv = try Harness.run(["-f", "tsv", "-c", query])
        #expect(csv.status == 0 && tsv.status == 0)
        #expect(csv.stdout.contains("\"Capstone: Retrieving, Processing, and Visualizing Data with Python\""))
        let reader = "import csv, sys\nfor row in csv.reader(sys.stdin):\n    print('\\t'.join(row))\n"
        guard let python = try Harness.tool("python3", ["-c", reader], stdin: csv.stdout) else { return }
        #expect(python.status == 0)
        #expect(python.stdout == tsv.stdout)
    }

    @Test func markdownIsAGitHubTable() throws {
        let r = try Harness.run(["-f", "markdown", "-c", "roles where id = scrum-master | select name, aliases"])
        #expect(r.stdout == "| name | aliases |\n| --- | --- |\n| Scrum Master | agile coach |\n")
    }

    @Test func dotForGraphAnswersAndAClearErrorOtherwise() throws {
        let r = try Harness.run(["-f", "dot", "-c", "prerequisites of cissp"])
        #expect(r.status == 0 && r.stdout.hasPrefix("digraph credq {"))
        #expect(r.stdout.contains("\"comptia-security-plus\" -> \"cissp\";"))
        let bad = try Harness.run(["-f", "dot", "-c", "count roles"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("error: this answer is a table, not a graph"))
    }

    @Test func validateNamesEveryProblemAndWhere() throws {
        let r = try Harness.run(["validate", "Tests/Fixtures/broken-graph.json"])
        #expect(r.status == 4)
        #expect(r.stdout == "")
        let errors = r.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(errors.count == 12)
        #expect(r.stderr.contains("Tests/Fixtures/broken-graph.json: credentials[1].provider: error: unknown organization id \"acmee\"; did you mean \"acme\"?"))
        #expect(r.stderr.hasSuffix("invalid: 12 errors\n"))
        let syntax = try Harness.run(["validate", "Tests/Fixtures/syntax-error.json"])
        #expect(syntax.status == 4)
        #expect(syntax.stderr.hasPrefix("Tests/Fixtures/syntax-error.json:1:49: error: expected a string key, found '}'"))
        let ok = try Harness.run(["validate"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("credentials    104"))
    }

    @Test func checkReportsEverySyntaxErrorAndRunsNothing() throws {
        let folder = try Harness.temporaryFolder()
        let bad = folder.appendingPathComponent("bad.cq")
        try "credentials | sort cost\nskills of\ncount roles\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try Harness.run(["check", bad.path])
        #expect(r.status == 3)
        #expect(r.stdout == "")
        #expect(r.stderr.components(separatedBy: ": error: ").count == 3)
        let good = try Harness.run(["check", "examples/mike.cq", "examples/jane.cq"])
        #expect(good.status == 0)
        #expect(good.stderr == "2 scripts OK\n")
    }

    @Test func graphsFromFilesMergeInOrder() throws {
        let folder = try Harness.temporaryFolder()
        let extra = folder.appendingPathComponent("team.json")
        try """
            {"credq": 1, "learners": [{"id": "sam", "name": "Sam Lee", "holds": [{"id": "sam-1", "credential": "aws-cloud-practitioner", "issued": "2026-03-01"}]}]}
            """.write(to: extra, atomically: true, encoding: .utf8)
        let seeds = ["organizations", "skills", "credentials", "roles", "learners"].flatMap { ["-g", "seeds/\($0).json"] }
        let r = try Harness.run(seeds + ["-g", extra.path, "-c", "holders of aws cloud practitioner | select id, expires"])
        #expect(r.status == 0)
        #expect(r.stdout == "id\texpires\nmike\t2028-02-11\nsam\t2029-03-01\n")
    }

    @Test func runsScriptsInOrderInOneSession() throws {
        let folder = try Harness.temporaryFolder()
        let a = folder.appendingPathComponent("a.cq"), b = folder.appendingPathComponent("b.cq")
        try "let cheap = credentials where cost < 45\n".write(to: a, atomically: true, encoding: .utf8)
        try "cheap | count\n".write(to: b, atomically: true, encoding: .utf8)
        let r = try Harness.run(["run", a.path, b.path])
        #expect(r.status == 0)
        #expect(r.stdout == "count\n25\n")
    }

    @Test func saveWritesALoadableGraphAndRefusesToReplaceALoadedFile() throws {
        let folder = try Harness.temporaryFolder()
        let graph = folder.appendingPathComponent("mine.json")
        let r = try Harness.run(["-c", ".save \(graph.path)"])
        #expect(r.status == 0)
        let again = try Harness.run(["-g", graph.path, "-c", "count credentials"])
        #expect(again.stdout == "count\n104\n")
        let before = try Data(contentsOf: graph)
        let refused = try Harness.run(["-g", graph.path, "-c", ".save \(graph.path)"])
        #expect(refused.status == 5)
        #expect(refused.stderr.contains("this session loaded that file; .save --force"))
        #expect(try Data(contentsOf: graph) == before)
        let forced = try Harness.run(["-g", graph.path, "-c", ".save --force \(graph.path)"])
        #expect(forced.status == 0)
        // Two files merged and saved over the first: a later .load reads the saved file alone.
        let extra = folder.appendingPathComponent("extra.json")
        try #"{"credq": 1, "credentials": [{"id": "extra", "name": "Extra", "kind": "badge", "provider": "coursera"}]}"#
            .write(to: extra, atomically: true, encoding: .utf8)
        let more = folder.appendingPathComponent("more.json")
        try #"{"credq": 1, "credentials": [{"id": "more", "name": "More", "kind": "badge", "provider": "coursera"}]}"#
            .write(to: more, atomically: true, encoding: .utf8)
        let merged = try Harness.run(["-g", graph.path, "-g", extra.path, "-c", ".save --force \(graph.path)\n.load \(more.path)\ncount credentials"])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout == "count\n106\n")
    }

    /// A listing of 60,000 credentials streams: the reader takes one line and leaves; credq
    /// stops quietly with status 0, as `cat` would.
    @Test func hugeAnswerToAReaderThatLeavesEarly() throws {
        let folder = try Harness.temporaryFolder()
        var json = #"{"credq": 1, "organizations": [{"id": "o", "name": "O", "kind": "platform"}], "credentials": ["#
        json += (0..<60_000).map { #"{"id": "c\#($0)", "name": "Credential number \#($0)", "kind": "badge", "provider": "o", "cost": \#($0 % 97)}"# }
            .joined(separator: ",\n")
        json += "]}\n"
        let graph = folder.appendingPathComponent("big.json")
        try json.write(to: graph, atomically: true, encoding: .utf8)
        let script = "\"$0\" -g \"$1\" -c credentials -f ndjson 2>\"$2\" | head -1; echo \"status ${PIPESTATUS[0]}\""
        let errFile = folder.appendingPathComponent("err.txt")
        guard let r = try Harness.tool("bash", ["-c", script, Harness.binary, graph.path, errFile.path], stdin: "") else { return }
        #expect(r.stdout == #"{"id":"c0","name":"Credential number 0","kind":"badge","provider":{"id":"o","name":"O"},"cost":0,"weeks":0}"# + "\nstatus 0\n")
        #expect(try String(contentsOf: errFile, encoding: .utf8) == "")
        // And the whole answer, when read, has every row once.
        let all = try Harness.run(["-g", graph.path, "-c", "credentials | where cost = 3 | count"])
        #expect(all.stdout == "count\n\((0..<60_000).filter { $0 % 97 == 3 }.count)\n")
    }

    /// `.save` is killed at moments spread over its run: the file it replaces is always whole,
    /// either as it was or as the complete new graph, never a mix or a prefix.
    @Test func killedMidSaveLeavesTheOldFileWhole() throws {
        let folder = try Harness.temporaryFolder()
        var json = #"{"credq": 1, "organizations": [{"id": "o", "name": "O", "kind": "platform"}], "credentials": ["#
        json += (0..<40_000).map { #"{"id": "c\#($0)", "name": "Credential number \#($0)", "kind": "badge", "provider": "o"}"# }
            .joined(separator: ",\n")
        json += "]}\n"
        let graph = folder.appendingPathComponent("big.json")
        try json.write(to: graph, atomically: true, encoding: .utf8)
        let target = folder.appendingPathComponent("saved.json")
        let old = Data("{\"credq\": 1}\n".utf8)
        // The complete new file, written once without interruption.
        let full = folder.appendingPathComponent("full.json")
        #expect(try Harness.run(["-g", graph.path, "-c", ".save \(full.path)"]).status == 0)
        let new = try Data(contentsOf: full)
        var outcomes = Set<String>()
        for delay in [0.05, 0.15, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0] {
            try old.write(to: target)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Harness.binary)
            process.arguments = ["-g", graph.path, "-c", ".save \(target.path)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let now = try Data(contentsOf: target)
            #expect(now == old || now == new, "after \(delay) s the file is \(now.count) bytes")
            outcomes.insert(now == old ? "old" : "new")
            for leftover in try FileManager.default.contentsOfDirectory(atPath: folder.path) where leftover.hasSuffix(".tmp") {
                try FileManager.default.removeItem(at: folder.appendingPathComponent(leftover))
            }
        }
        #expect(outcomes.contains("old"), "no kill landed before the rename")
    }

    @Test func importRefusesToWriteOverItsInputUnlessForced() throws {
        let folder = try Harness.temporaryFolder()
        let input = folder.appendingPathComponent("record.json")
        try FileManager.default.copyItem(at: Harness.root.appendingPathComponent("Tests/Fixtures/ctdl/program.json"), to: input)
        let before = try Data(contentsOf: input)
        let refused = try Harness.run(["import", "ctdl", input.path, "-o", input.path])
        #expect(refused.status == 5)
        #expect(refused.stderr.contains("is one of the files being imported; write elsewhere, or add --force to replace it"))
        #expect(try Data(contentsOf: input) == before)
        let forced = try Harness.run(["import", "ctdl", input.path, "-o", input.path, "--force"])
        #expect(forced.status == 0)
        #expect(try Data(contentsOf: input) != before)
    }

    @Test func outputRedirectsResultsToAFile() throws {
        let folder = try Harness.temporaryFolder()
        let file = folder.appendingPathComponent("out.tsv")
        let r = try Harness.run(["-c", ".output \(file.path); count roles; .output; count learners"])
        #expect(r.stdout == "count\n4\n")
        #expect(try String(contentsOf: file, encoding: .utf8) == "count\n10\n")
    }

    @Test func shellCompletionScripts() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try Harness.run(["--generate-completion-script", shell])
            #expect(r.status == 0)
            #expect(r.stdout.contains("credq"))
        }
    }
}

/// Every report script in `examples/` runs and prints what `Tests/Examples/<name>.out` holds
/// (`CREDQ_RECORD=1` re-records).
@Suite struct ExampleTests {
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Harness.root.appendingPathComponent("examples").path)) ?? []
        return files.filter { $0.hasSuffix(".cq") }.sorted()
    }()

    @Test func everyLearnerHasAnExample() {
        for name in ["jane.cq", "mike.cq", "claire.cq", "rahul.cq", "providers.cq", "cloud-architect.cq", "certificate-vs-degree.cq"] {
            #expect(Self.names.contains(name))
        }
    }

    @Test(arguments: names)
    func example(_ name: String) throws {
        // Holdings verified on one fixed day, so that the answers do not change as days pass.
        let r = try Harness.run(["run", "-f", "table", "--at", "2026-11-30", "examples/\(name)"])
        #expect(r.status == 0, "\(name): \(r.stderr)")
        // Only the notes of holdings the trust setting left out, and of what a what-if assumed.
        #expect(r.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("note: ") && ($0.contains("not counted") || $0.contains("assum")) },
                "\(name): \(r.stderr)")
        let expected = Harness.root.appendingPathComponent("Tests/Examples/\(name.dropLast(3)).out")
        if ProcessInfo.processInfo.environment["CREDQ_RECORD"] != nil {
            try FileManager.default.createDirectory(at: expected.deletingLastPathComponent(), withIntermediateDirectories: true)
            try r.stdout.write(to: expected, atomically: true, encoding: .utf8)
            return
        }
        #expect(r.stdout == (try String(contentsOf: expected, encoding: .utf8)))
    }
}

/// Pathway pictures: `-f dot` draws stacks that Graphviz renders.
@Suite struct DotTests {
    static let graphviz = FileManager.default.isExecutableFile(atPath: "/usr/bin/dot")

    @Test func stacksAsADigraph() throws {
        let r = try Harness.run(["-f", "dot", "-c", "stacks toward cloud architect for mike limit 2"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("digraph credq {"))
        #expect(r.stdout.contains("subgraph cluster_held"))
        #expect(r.stdout.contains("label=\"stack 1: 400.5 USD · 22 weeks · 3 credentials\""))
        #expect(r.stdout.contains("\"s1-azure-az-104\" -> \"s1-azure-az-305\";"))
        #expect(r.stdout.contains("\"s1-azure-az-305\" -> target [style=bold];"))
    }

    @Test(.enabled(if: graphviz, "needs Graphviz (apt-get install graphviz)"))
    func graphvizRendersEveryGraphAnswer() throws {
        for query in ["stacks toward cloud architect for mike", "stacks toward gt-ms-analytics limit 2",
                      "prerequisites of cissp", "parts of mitx-sds-micromasters"] {
            let r = try Harness.run(["-f", "dot", "-c", query])
            #expect(r.status == 0)
            let svg = try #require(try Harness.tool("dot", ["-Tsvg"], stdin: r.stdout))
            #expect(svg.status == 0, "\(query): \(svg.stdout)")
            #expect(svg.stdout.contains("<svg"), "\(query)")
        }
    }
}

/// `credq verify FILE...` as a process: statuses in the output, exit 0 only when all are valid.
@Suite struct VerifyCommandTests {
    static let folder = "Tests/Fixtures/verify"

    @Test func validWithTheIssuersKey() throws {
        let r = try Harness.run(["verify", "\(Self.folder)/badge.jwt", "--key", "\(Self.folder)/issuer-key.jwk", "--at", "2026-11-29"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "file\tissuer\tkey_id\tstatus\treason\nTests/Fixtures/verify/badge.jwt\tExample Issuer\tissuer-1\tvalid\tthe signature verifies with the key given\n")
    }

    @Test func anyInvalidFileMakesTheStatusNonZero() throws {
        let r = try Harness.run(["verify", "-f", "json", "\(Self.folder)/badge.jwt", "\(Self.folder)/revoked-badge.jwt",
                                 "--key", "\(Self.folder)/issuer-key.jwk", "--revocation-list", "\(Self.folder)/revocations.json", "--at", "2026-11-29"])
        #expect(r.status == 1)
        let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.map { $0["status"] as? String } == ["valid", "revoked"])
        let noKey = try Harness.run(["verify", "\(Self.folder)/badge.jwt"])
        #expect(noKey.status == 1)
        #expect(noKey.stdout.contains("\tunknown-key\t"))
    }

    /// Open Badges 3.0 / VC 2.0 credentials with a Data Integrity proof (eddsa-rdfc-2022):
    /// issued by their did:key, one value changed, and signed by a key that is not the issuer's.
    @Test func dataIntegrityProofs() throws {
        let r = try Harness.run(["verify", "\(Self.folder)/di-didkey.json", "\(Self.folder)/di-didkey-tampered.json",
                                 "Tests/Fixtures/vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json", "--at", "2026-11-29"])
        #expect(r.status == 1)
        let key = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
        #expect(r.stdout == """
            file\tissuer\tkey_id\tstatus\treason
            Tests/Fixtures/verify/di-didkey.json\t\(key)\t\(key)#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2\tvalid\teddsa-rdfc-2022 signature by \(key), the issuer
            Tests/Fixtures/verify/di-didkey-tampered.json\t\(key)\t\(key)#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2\ttampered\tthe eddsa-rdfc-2022 signature does not match the credential
            Tests/Fixtures/vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json\thttps://vc.example/issuers/5678\t\(key)#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2\tuntrusted-key\tsigned by \(key), which is not the issuer https://vc.example/issuers/5678 (give its key with --key)

            """)
        #expect(try Harness.run(["verify", "\(Self.folder)/di-didkey.json", "--at", "2026-11-29"]).status == 0)
    }

    /// Every status of a Data Integrity credential, from files: the issuer's key from its
    /// controller document, Bitstring Status Lists for revocation and suspension, a 1EdTech
    /// revocation list, and a context given for its URL (Tests/Fixtures/verify/di, signed by
    /// StatusListTests).
    @Test func dataIntegrityStatusesFromFiles() throws {
        let di = "\(Self.folder)/di"
        let files = ["valid", "tampered", "wrong-key", "expired", "not-yet-valid", "revoked-bitstring", "suspended", "revoked-1edtech",
                     "unknown-context", "proof-set", "proof-chain", "broken-chain", "ed25519-2020", "revoked-statuslist2021", "self-issued"]
        let options = ["--key", "\(di)/issuer.json", "--status-list", "\(di)/status-revocation.json", "--status-list", "\(di)/status-suspension.json",
                       "--status-list", "\(di)/status-2021-revocation.json", "--status-list", "\(di)/1edtech-revocations.json", "--context", "https://issuer.example/contexts/extra/v1=\(di)/extra-context.jsonld",
                       "--at", "2026-11-30"]
        let r = try Harness.run(["verify"] + files.map { "\(di)/\($0).json" } + options)
        #expect(r.status == 1, "\(r.stderr)")
        let statuses = r.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false)[3] }
        #expect(statuses == ["valid", "tampered", "tampered", "expired", "not-yet-valid", "revoked", "suspended", "revoked",
                             "valid", "valid", "valid", "tampered", "valid", "revoked", "valid"])
        #expect(r.stdout.contains("\tsuspended\tsuspended: entry 9 of the status list https://issuer.example/status/suspension is set\n"))
        let valid = try Harness.run(["verify", "\(di)/valid.json", "\(di)/proof-chain.json"] + options)
        #expect(valid.status == 0 && valid.stderr.isEmpty, "\(valid.stderr)")
        // Without them: no key for an opaque method, an unknown context named, lists not checked.
        let bare = try Harness.run(["verify", "-f", "json", "\(di)/valid.json", "\(di)/unknown-context.json", "--at", "2026-11-30"])
        #expect(bare.status == 1)
        #expect(bare.stdout.contains(#""status":"unknown-key","reason":"no key for https://issuer.example/profiles/1#key-1 (give the issuer's key with --key)""#))
        #expect(bare.stdout.contains("it needs the context https://issuer.example/contexts/extra/v1, which credq does not have (add it with --context URL=FILE)"))
        let unlisted = try Harness.run(["verify", "\(di)/revoked-bitstring.json", "--key", "\(di)/issuer.json", "--at", "2026-11-30"])
        #expect(unlisted.status == 0)
        #expect(unlisted.stdout.contains("was not checked (give the list with --status-list URL=FILE)"))
        // A list given for the URL a credential names, and a key written out.
        let multikey = try String(contentsOfFile: "\(di)/issuer.json", encoding: .utf8).split(separator: "\"").first { $0.hasPrefix("z6Mk") }.map(String.init) ?? "?"
        let byURL = try Harness.run(["verify", "\(di)/suspended.json", "--key", multikey, "--at", "2026-11-30",
                                     "--status-list", "https://issuer.example/status/suspension=\(di)/status-suspension.json"])
        #expect(byURL.status == 1 && byURL.stdout.contains("\tsuspended\t"), "\(byURL.stdout)\(byURL.stderr)")
    }

    @Test func keysListsAndContextsThatAreNotOnes() throws {
        let di = "\(Self.folder)/di"
        let notAKey = try Harness.run(["verify", "\(di)/valid.json", "--key", "z6MkNotAKey"])
        #expect(notAKey.status == 2 && notAKey.stderr == "credq: z6MkNotAKey: not a key: no such file, and not a Multikey (z6Mk...) or an Ed25519 did:key\n")
        let notAList = try Harness.run(["verify", "\(di)/valid.json", "--status-list", "\(di)/issuer.json"])
        #expect(notAList.status == 2 && notAList.stderr.hasPrefix("credq: \(di)/issuer.json: not a status list: neither a Bitstring Status List credential"))
        let context = try Harness.run(["verify", "\(di)/valid.json", "--context", "\(di)/extra-context.jsonld"])
        #expect(context.status == 2 && context.stderr == "credq: \(di)/extra-context.jsonld: not a JSON-LD context: write it as URL=FILE\n")
        let notContext = try Harness.run(["verify", "\(di)/valid.json", "--context", "https://x.example/c=\(di)/1edtech-revocations.json"])
        #expect(notContext.status == 2 && notContext.stderr == "credq: \(di)/1edtech-revocations.json: not a JSON-LD context: a JSON object without @context\n")
        // A list whose own proof does not hold is refused: it cannot say anything.
        let tamperedList = try String(contentsOfFile: "\(di)/status-revocation.json", encoding: .utf8).replacingOccurrences(of: "2026-01-01T00:00:00Z\",\n  \"credentialSubject", with: "2026-01-02T00:00:00Z\",\n  \"credentialSubject")
        #expect(tamperedList.contains("2026-01-02"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("credq-tampered-list-\(getpid()).json").path
        try tamperedList.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let refused = try Harness.run(["verify", "\(di)/valid.json", "--key", "\(di)/issuer.json", "--status-list", path])
        #expect(refused.status == 2 && refused.stderr.contains("not a status list: its own proof is tampered"), "\(refused.stderr)")
    }

    @Test func filesThatAreNotKeysOrCannotBeRead() throws {
        #expect(try Harness.run(["verify", "\(Self.folder)/badge.jwt", "--key", "\(Self.folder)/revocations.json"]).status == 2)
        #expect(try Harness.run(["verify", "/nonexistent/badge.jwt"]).status == 5)
        // A missing file is said so, and the others are still verified; the exit status is the worst.
        let mixed = try Harness.run(["verify", "\(Self.folder)/badge.jwt", "/nonexistent/badge.jwt", "--key", "\(Self.folder)/issuer-key.jwk", "--at", "2026-11-29"])
        #expect(mixed.status == 5)
        #expect(mixed.stdout == "file\tissuer\tkey_id\tstatus\treason\nTests/Fixtures/verify/badge.jwt\tExample Issuer\tissuer-1\tvalid\tthe signature verifies with the key given\n")
        #expect(mixed.stderr == "credq: /nonexistent/badge.jwt: no such file\n")
        #expect(try Harness.run(["verify", "\(Self.folder)/badge.jwt", "--at", "yesterday"]).status == 2)
    }
}

/// `credq import onet` as a process: the graph on stdout or in a file, unmapped lines on stderr.
@Suite struct ImportCommandTests {
    @Test func onetToAFileThatLoads() throws {
        let folder = try Harness.temporaryFolder()
        let out = folder.appendingPathComponent("onet.json")
        let r = try Harness.run(["import", "onet", "Tests/Fixtures/onet", "-o", out.path])
        #expect(r.status == 0)
        #expect(r.stdout == "")
        #expect(r.stderr.contains("credq: Technology Skills.txt: 1 line left out: 2 fields, expected 6 (line 5)\n"))
        #expect(r.stderr.hasSuffix("imported 2 occupations and 6 skills, 5 notes above\n"))
        let q = try Harness.run(["-g", out.path, "-c", "roles where aliases ~ 'cloud architect' | select id", "-c", "roles related to 15-9999.01 | select rank, id"])
        #expect(q.stdout == "id\n15-9999.01\n15-9999.02\nrank\tid\n1\t15-9999.02\n")
        #expect(try Harness.run(["import", "onet", "/nonexistent"]).status == 5)
    }

    /// Joined to the catalog, the occupation's In Demand AWS is the catalog's Cloud Computing
    /// (the built-in mapping), so gaps and stacks toward it use the catalog's credentials.
    @Test func onetJoinedToTheCatalogUsesItsSkills() throws {
        let folder = try Harness.temporaryFolder()
        let out = folder.appendingPathComponent("joined.json")
        let r = try Harness.run(["import", "onet", "Tests/Fixtures/onet", "--catalog", "-o", out.path])
        #expect(r.status == 0)
        #expect(r.stderr.contains("credq: mapped to the graph's skill cloud-computing: Amazon Web Services AWS software\n"))
        #expect(r.stderr.contains("credq: mapped to the graph's skill sql: Structured query language SQL\n"))
        let q = try Harness.run(["-g", out.path, "--at", "2026-11-30", "-c", "skills of role 15-9999.01 | select id, level", "-c", "roles where uses sql | select id",
                                 "-c", "gaps for mike toward role 15-9999.01 | select skill, needed, held"])
        #expect(q.stdout == """
            id\tlevel
            cloud-computing\t2
            id
            data-analyst
            ml-engineer
            health-informatics-specialist
            15-9999.02
            skill\tneeded\theld
            Cloud Computing\t2\t1

            """)
        // Another mapping, from a file; a line that is not one is refused with its place.
        let map = folder.appendingPathComponent("map.tsv")
        try "# technology\tskill\nStructured query language SQL\tdata-analysis\n".write(to: map, atomically: true, encoding: .utf8)
        let mapped = try Harness.run(["import", "onet", "Tests/Fixtures/onet", "--catalog", "--map", map.path])
        #expect(mapped.status == 0 && mapped.stderr.contains("mapped to the graph's skill data-analysis: Structured query language SQL"))
        try "Python python\n".write(to: map, atomically: true, encoding: .utf8)
        let bad = try Harness.run(["import", "onet", "Tests/Fixtures/onet", "--catalog", "--map", map.path])
        #expect(bad.status == 2 && bad.stderr == "\(map.path):1: error: expected a name, a tab and a skill id\n")
    }
}

extension ImportCommandTests {
    @Test func openBadgesToStdout() throws {
        let r = try Harness.run(["import", "openbadges", "Tests/Fixtures/openbadges/data-course.json", "--learner", "sam"])
        #expect(r.status == 0)
        #expect(r.stderr == "imported 1 achievements and 1 holdings\n")
        let graph = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect((graph?["credentials"] as? [[String: Any]])?.first?["kind"] as? String == "course")
    }
}

extension ImportCommandTests {
    @Test func ctdlToAFile() throws {
        let folder = try Harness.temporaryFolder()
        let out = folder.appendingPathComponent("ctdl.json")
        let r = try Harness.run(["import", "ctdl", "Tests/Fixtures/ctdl/program.json", "-o", out.path])
        #expect(r.status == 0)
        #expect(r.stderr.hasSuffix("imported 3 credentials and 2 organizations, 3 notes above\n"))
        let q = try Harness.run(["-g", out.path, "-c", "parts of data certificate | select part"])
        #expect(q.stdout == "part\nData Certificate\n└─ all of\n   ├─ Intro to Data\n   └─ Data Visualization\n")
    }

    /// Joined to the catalog: the learner already there gets the holding, skills the catalog
    /// has are reused (by id, then by name), and what matched is said.
    @Test func openBadgesJoinsTheCatalog() throws {
        let folder = try Harness.temporaryFolder()
        let out = folder.appendingPathComponent("joined.json")
        let r = try Harness.run(["import", "openbadges", "Tests/Fixtures/openbadges/data-course.json", "--learner", "mike", "--catalog", "-o", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("credq: learner mike is already in the graph: 1 holding added to theirs\n"))
        #expect(r.stderr.contains("credq: skill https://skills.example/data-analysis is data-analysis in the graph (same name)\n"))
        #expect(try Harness.run(["validate", out.path]).status == 0)
        let q = try Harness.run(["-g", out.path, "-c", "holders of data analysis 101 | select id", "-c", "learners where id = mike | select holdings", "-c", "count credentials"])
        #expect(q.stdout == "id\nmike\nholdings\n7\ncount\n105\n")
    }

    /// A credential with a Data Integrity proof is kept whole in its holding, so that the
    /// graph's verify checks it: issued by its did:key, it is valid; issued under a key only
    /// the issuer's profile names, nothing in the graph checks it until the issuer publishes it.
    @Test func openBadgesKeepsTheSignedCredential() throws {
        let folder = try Harness.temporaryFolder()
        let out = folder.appendingPathComponent("signed.json")
        let r = try Harness.run(["import", "openbadges", "\(VerifyCommandTests.folder)/di/self-issued.json", "\(VerifyCommandTests.folder)/di/valid.json", "-o", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let graph = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any]
        let holds = (graph?["learners"] as? [[String: Any]])?.flatMap { ($0["holds"] as? [[String: Any]]) ?? [] } ?? []
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(VerifyCommandTests.folder)/di/valid.json"))) as? NSDictionary
        #expect(holds.contains { ($0["proof"] as? NSDictionary) == original }, "the credential is kept as it was")
        let v = try Harness.run(["-g", out.path, "--at", "2026-11-30", "-c", "verify | select holding, status, reason"])
        #expect(v.stdout.contains("urn:uuid:self-issued\tvalid\tsigned by A Self-Issuer (a Data Integrity proof)\n"), "\(v.stdout)")
        #expect(v.stdout.contains("urn:uuid:valid\tunknown-key\tno key for https://issuer.example/profiles/1#key-1 (give the issuer's key with --key)\n"), "\(v.stdout)")
        #expect(try Harness.run(["validate", out.path]).status == 0)
    }

    @Test func openBadgesRefusesInvalidJSONWithItsPlace() throws {
        let folder = try Harness.temporaryFolder()
        let bad = folder.appendingPathComponent("bad.json")
        try #"{"broken": "#.write(to: bad, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("ob.json")
        let both = try Harness.run(["import", "openbadges", bad.path, "Tests/Fixtures/openbadges/data-course.json", "--learner", "sam", "-o", out.path])
        #expect(both.status == 4)
        #expect(both.stderr.hasPrefix("\(bad.path):1:12: error: not valid JSON: unexpected end of input, expected a value\n"))
        #expect(FileManager.default.fileExists(atPath: out.path))
        let alone = try Harness.run(["import", "openbadges", bad.path])
        #expect(alone.status == 4 && alone.stdout == "" && alone.stderr.hasSuffix("credq: no achievement imported; nothing written\n"))
    }

    /// A file that is not JSON: a located error and a non-zero exit, the other files still
    /// imported; nothing imported at all: nothing written.
    /// An order that goes round loses the link that closes it, said; a graph that still would
    /// not load (stack rules that name each other) is refused with the loader's errors, and
    /// nothing is written.
    @Test func ctdlImportsOnlyGraphsThatLoad() throws {
        let folder = try Harness.temporaryFolder()
        let out = folder.appendingPathComponent("order.json")
        let order = try Harness.run(["import", "ctdl", "Tests/Fixtures/ctdl/order-cycle.json", "-o", out.path])
        #expect(order.status == 0)
        #expect(order.stderr.contains("credq: the records' order goes round: ce-b requiring ce-a closes a cycle, and is left out\n"))
        #expect(try Harness.run(["-g", out.path, "-c", "prerequisites of beta | select id"]).stdout == "id\n")
        #expect(try Harness.run(["-g", out.path, "-c", "prerequisites of alpha | select id"]).stdout == "id\nce-b\n")
        let rules = folder.appendingPathComponent("rules.json")
        let refused = try Harness.run(["import", "ctdl", "Tests/Fixtures/ctdl/rule-cycle.json", "-o", rules.path])
        #expect(refused.status == 4)
        #expect(refused.stderr.hasSuffix("\(rules.path): credentials[0].stack: error: cycle through stack rules: ce-x → ce-y → ce-x\ncredq: the imported graph does not load; nothing written\n"))
        #expect(!FileManager.default.fileExists(atPath: rules.path))
    }

    @Test func ctdlRefusesInvalidJSONWithItsPlace() throws {
        let folder = try Harness.temporaryFolder()
        let out = folder.appendingPathComponent("ctdl.json")
        let both = try Harness.run(["import", "ctdl", "Tests/Fixtures/ctdl/invalid.json", "Tests/Fixtures/ctdl/ownerless-pathway.json", "-o", out.path])
        #expect(both.status == 4)
        #expect(both.stderr.hasPrefix("Tests/Fixtures/ctdl/invalid.json:4:1: error: not valid JSON: unexpected end of input inside an object\n"))
        #expect(try Harness.run(["validate", out.path]).status == 0)
        let none = folder.appendingPathComponent("none.json")
        let alone = try Harness.run(["import", "ctdl", "Tests/Fixtures/ctdl/invalid.json", "-o", none.path])
        #expect(alone.status == 4)
        #expect(alone.stderr.hasSuffix("credq: nothing imported (1 file refused); nothing written\n"))
        #expect(!FileManager.default.fileExists(atPath: none.path))
        // Organizations alone are something imported.
        let orgs = folder.appendingPathComponent("orgs.json")
        try #"{"@graph": [{"@id": "https://example.org/o", "@type": "ceterms:CredentialOrganization", "ceterms:name": "O"}]}"#
            .write(to: orgs, atomically: true, encoding: .utf8)
        let orgsOut = folder.appendingPathComponent("orgs-out.json")
        let onlyOrgs = try Harness.run(["import", "ctdl", orgs.path, "-o", orgsOut.path])
        #expect(onlyOrgs.status == 0 && onlyOrgs.stderr.hasSuffix("imported 0 credentials and 1 organizations\n"))
    }
}

extension VerifyCommandTests {
    @Test func atSetsTheDayForVerifyStatements() throws {
        #expect(try Harness.run(["--at", "2025-11-29", "-c", "verify rahul-tableau | select status"]).stdout == "status\nvalid\n")
        #expect(try Harness.run(["--at", "2026-11-29", "-c", "verify rahul-tableau | select status"]).stdout == "status\nexpired\n")
        // A day in the statement wins over --at.
        #expect(try Harness.run(["--at", "2026-11-29", "-c", "verify rahul-tableau as of 2025-01-01 | select status"]).stdout == "status\nvalid\n")
        #expect(try Harness.run(["--at", "2026-13-01", "-c", "count roles"]).status == 2)
    }

    // MARK: - The planner's budget, and pathways made of ties

    @Test func aPlanThatRunsOutOfItsBudgetSaysSoAndHowToWidenIt() throws {
        let folder = try Harness.temporaryFolder()
        let graph = folder.appendingPathComponent("vast.json")
        try REPLTests.vastGraph().write(to: graph, atomically: true, encoding: .utf8)
        let r = try Harness.run(["-g", graph.path, "--max-states", "5000", "-c", "stacks toward everything limit 10000000 | count"])
        #expect(r.status == 1)
        #expect(r.stdout == "")
        #expect(r.stderr.hasPrefix("-c:1:1: error: the search stopped after "))
        #expect(r.stderr.hasSuffix("""
              stacks toward everything limit 10000000 | count
              ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
            help: narrow it with max cost, max weeks or using, or allow more states: .maxstates N, or --max-states N on the command line

            """))
        // No progress line where nobody watches: stderr is a pipe here.
        #expect(!r.stderr.contains("planning"))
        // The same budget answers a question that needs less of it.
        let small = try Harness.run(["-g", graph.path, "--max-states", "5000", "-c", "stacks toward everything limit 3 | count"])
        #expect(small.status == 0)
        #expect(small.stdout == "count\n3\n")
        #expect(small.stderr == "")
        let zero = try Harness.run(["--max-states", "0", "-c", "count roles"])
        #expect(zero.status == 2)
        #expect(zero.stderr.contains("--max-states takes a whole number above 0, got 0"))
    }

    /// A composite needing 6 of 31 free badges: every answer ties on cost, count and weeks, and
    /// the ids decide; the planner answers at once, in sorted-ids order.
    @Test func sixOfThirtyOneFreeBadgesAnswersInSortedIDsOrder() throws {
        let folder = try Harness.temporaryFolder()
        let graph = folder.appendingPathComponent("six-of-31.json")
        let badges = (0..<31).map { String(format: "b%02d", $0) }
        let credentials = badges.map { "{\"id\": \"\($0)\", \"name\": \"Badge \($0)\", \"kind\": \"badge\", \"provider\": \"u\", \"cost\": 0, \"weeks\": 0}" }
            + ["{\"id\": \"goal\", \"name\": \"Goal\", \"kind\": \"certificate\", \"provider\": \"u\", \"cost\": 0, \"weeks\": 0, \"stack\": {\"n\": 6, \"of\": [\(badges.map { "\"\($0)\"" }.joined(separator: ", "))]}}"]
        try """
            {"credq": 1, "organizations": [{"id": "u", "name": "U", "kind": "university"}], "skills": [],
             "credentials": [\(credentials.joined(separator: ", "))]}
            """.write(to: graph, atomically: true, encoding: .utf8)
        let r = try Harness.run(["-g", graph.path, "-c", "stacks toward goal | select rank, count, credentials", "-f", "csv"])
        #expect(r.status == 0)
        #expect(r.stderr == "")
        let firstFive = ["05", "06", "07", "08", "09"].map { "Badge b00; Badge b01; Badge b02; Badge b03; Badge b04; Badge b\($0); Goal" }
        #expect(r.stdout == "rank,count,credentials\r\n" + firstFive.enumerated().map { "\($0.offset + 1),7,\($0.element)\r\n" }.joined())
    }
}
