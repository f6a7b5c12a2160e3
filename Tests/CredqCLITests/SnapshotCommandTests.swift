import Foundation
import Testing

/// `credq snapshot`, and `-g`, `.load` and `validate` on what it writes, driven as a process:
/// the same answers as from the JSON, and a damaged snapshot refused with status 4.
@Suite struct SnapshotCommandTests {
    static let queries = [
        "count credentials", "credentials | sort by cost desc | limit 5", "holders of aws cloud practitioner",
        "skills of cloud architect", "stacks toward cloud architect for mike", "gaps for mike toward cloud architect",
        "verify mike", "credentials where teaches python >= 2 | select name, cost", "prerequisites of aws solutions architect professional",
    ]

    /// A snapshot of the default catalog, written by the binary.
    static func catalogSnapshot(in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("catalog.cqs").path
        let r = try Harness.run(["snapshot", "-o", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "wrote \(path): 104 credentials, 4 learners\n")
        return path
    }

    @Test func answersAreTheSameFromTheSnapshot() throws {
        let folder = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try Self.catalogSnapshot(in: folder)
        for format in ["tsv", "json", "table"] {
            for q in Self.queries {
                let json = try Harness.run(["-c", q, "-f", format, "--at", "2026-11-30"])
                let snap = try Harness.run(["-g", path, "-c", q, "-f", format, "--at", "2026-11-30"])
                #expect(snap.status == json.status && snap.stdout == json.stdout && snap.stderr == json.stderr, "\(q) -f \(format)")
            }
        }
        // validate checks every section and prints the counts.
        let v = try Harness.run(["validate", path])
        #expect(v.status == 0, "\(v.stderr)")
        #expect(v.stdout.hasPrefix("valid: 1 file\norganizations  "))
        #expect(v.stdout.split(separator: "\n").dropFirst() == (try Harness.run(["validate"])).stdout.split(separator: "\n").dropFirst())
    }

    @Test func aSnapshotOfFilesAndTheirMergeWithOthers() throws {
        let folder = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let extra = folder.appendingPathComponent("extra.json").path
        try #"{"credq": 1, "learners": [{"id": "zed", "name": "Zed", "holds": [{"id": "z1", "credential": "aws-cloud-practitioner", "issued": "2025-01-02"}]}]}"#
            .write(toFile: extra, atomically: true, encoding: .utf8)
        let seeds = try FileManager.default.contentsOfDirectory(atPath: Harness.root.appendingPathComponent("seeds").path)
            .filter { $0.hasSuffix(".json") }.sorted().map { Harness.root.appendingPathComponent("seeds/\($0)").path }
        let path = folder.appendingPathComponent("seeds.cqs").path
        let w = try Harness.run(["snapshot"] + seeds + ["-o", path])
        #expect(w.status == 0, "\(w.stderr)")
        // A snapshot merged with a JSON file (-g twice, and .load in a session).
        let q = "holders of aws cloud practitioner"
        let expected = try Harness.run(seeds.flatMap { ["-g", $0] } + ["-g", extra, "-c", q])
        #expect(expected.stdout.contains("Zed"))
        let merged = try Harness.run(["-g", path, "-g", extra, "-c", q])
        #expect(merged.status == 0 && merged.stdout == expected.stdout, "\(merged.stderr)")
        let loaded = try Harness.run(["-g", path], stdin: ".load \(extra)\n\(q)\n")
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(loaded.stderr.contains("loaded \(extra): 104 credentials, 5 learners in all"))
        #expect(loaded.stdout.contains("Zed"))
    }

    @Test func refusals() throws {
        let folder = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = folder.appendingPathComponent("g.json").path
        try #"{"credq": 1}"#.write(toFile: json, atomically: true, encoding: .utf8)
        // Never over a graph it reads.
        let over = try Harness.run(["snapshot", json, "-o", json])
        #expect(over.status == 2)
        #expect(over.stderr.contains("the output \(json) is the graph file \(json); write the snapshot elsewhere"))
        #expect(try String(contentsOfFile: json, encoding: .utf8) == #"{"credq": 1}"#)
        // -o is required.
        #expect(try Harness.run(["snapshot", json]).status == 2)
        // An invalid graph writes nothing.
        let bad = folder.appendingPathComponent("bad.json").path
        try #"{"credq": 1, "skills": [{"id": "s"}]}"#.write(toFile: bad, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("bad.cqs").path
        let r = try Harness.run(["snapshot", bad, "-o", out])
        #expect(r.status == 4)
        #expect(!FileManager.default.fileExists(atPath: out))
        // A folder that does not exist.
        let missing = try Harness.run(["snapshot", json, "-o", folder.appendingPathComponent("no/such/x.cqs").path])
        #expect(missing.status == 5)
        // A .cqs file that is JSON is not a snapshot.
        let fake = folder.appendingPathComponent("fake.cqs").path
        try #"{"credq": 1}"#.write(toFile: fake, atomically: true, encoding: .utf8)
        let f = try Harness.run(["-g", fake, "-c", "count credentials"])
        #expect(f.status == 4)
        #expect(f.stderr == "\(fake): error: not a usable snapshot: it is not a credq snapshot\n")
    }

    /// Damage found on opening, and damage found when a query first reads the section: status 4
    /// and the reason on stderr, never a crash; a query that reads nothing damaged answers.
    @Test func damagedSnapshots() throws {
        let folder = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try Self.catalogSnapshot(in: folder)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let damaged = folder.appendingPathComponent("damaged.cqs").path

        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: damaged))
        let cut = try Harness.run(["-g", damaged, "-c", "count credentials"])
        #expect(cut.status == 4)
        #expect(cut.stderr == "\(damaged): error: not a usable snapshot: it is cut short (\(bytes.count / 2) of \(bytes.count) bytes)\n")

        // A changed letter in a credential's name: found by the first query that reads a
        // credential, and not before (counting reads none).
        var changed = bytes
        let name = Array("AWS Certified Cloud Practitioner".utf8)
        let at = try #require((0..<(bytes.count - name.count)).first { Array(bytes[$0..<($0 + name.count)]) == name })
        changed[at + 4] = UInt8(ascii: "X")
        try Data(changed).write(to: URL(fileURLWithPath: damaged))
        let count = try Harness.run(["-g", damaged, "-c", "count credentials"])
        #expect(count.status == 0 && count.stdout == "count\n104\n", "\(count.stderr)")
        let read = try Harness.run(["-g", damaged, "-c", "count credentials; credentials | limit 2"])
        #expect(read.status == 4)
        #expect(read.stdout == "count\n104\n")
        #expect(read.stderr == "\(damaged): error: damaged snapshot: section credential.records fails its checksum; write it again with credq snapshot\n")
        let v = try Harness.run(["validate", damaged])
        #expect(v.status == 4)
        #expect(v.stderr == "\(damaged): error: not a usable snapshot: section credential.records fails its checksum\ninvalid: 1 error\n")

        // Bytes changed all through the file: every run ends with an answer or status 4.
        var random: UInt64 = 11
        for round in 0..<24 {
            var changed = bytes
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let at = Int((random >> 33) % UInt64(bytes.count))
            changed[at] ^= UInt8(1 + (random >> 20) % 255)
            try Data(changed).write(to: URL(fileURLWithPath: damaged))
            let r = try Harness.run(["-g", damaged, "-c", "stacks toward cloud architect for mike; holders of aws cloud practitioner"])
            #expect(r.status == 0 || r.status == 4, "round \(round), byte \(at): \(r.status) \(r.stderr)")
            if r.status == 4 {
                #expect(r.stderr.hasPrefix("\(damaged): error: "), "round \(round): \(r.stderr)")
                #expect(r.stderr.contains("snapshot"), "round \(round): \(r.stderr)")
            }
        }
    }
}

/// `--cache`: written on the first load, opened while the files are unchanged, written again
/// when a file changes or the cache is damaged, and never in the way of an answer.
@Suite struct SnapshotCacheTests {
    @Test func theCacheFollowsItsFiles() throws {
        let folder = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let graph = folder.appendingPathComponent("g.json").path
        func write(_ cost: Int) throws {
            try #"{"credq": 1, "organizations": [{"id": "o", "name": "O", "kind": "platform"}], "credentials": [{"id": "c", "name": "C", "kind": "badge", "provider": "o", "cost": \#(cost)}]}"#
                .write(toFile: graph, atomically: true, encoding: .utf8)
        }
        try write(10)
        let env = ["XDG_CACHE_HOME": folder.appendingPathComponent("cache").path, "CREDQ_DEBUG_LOAD": "1"]
        func run() throws -> (outcome: String, answer: String, status: Int32) {
            let r = try Harness.run(["--cache", "-g", graph, "-c", "credentials | select name, cost"], environment: env)
            let outcome = r.stderr.split(separator: "\n").first { $0.hasPrefix("cache: ") }.map { String($0.dropFirst(7)) } ?? "none"
            return (outcome, r.stdout, r.status)
        }
        #expect(try run() == ("written", "name\tcost\nC\t10\n", 0))
        #expect(try run() == ("opened", "name\tcost\nC\t10\n", 0))
        // The cache is a snapshot like any other, named for the file's path.
        let caches = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("cache/credq").path)
        #expect(caches.count == 1 && caches[0].hasSuffix(".cqs"))
        // A changed file: loaded again, and cached again.
        try write(20)
        #expect(try run() == ("written", "name\tcost\nC\t20\n", 0))
        #expect(try run() == ("opened", "name\tcost\nC\t20\n", 0))
        // A damaged cache: rebuilt without a word.
        let cache = folder.appendingPathComponent("cache/credq/\(caches[0])")
        var bytes = [UInt8](try Data(contentsOf: cache))
        bytes[bytes.count - 20] ^= 0xFF
        try Data(bytes).write(to: cache)
        #expect(try run() == ("written", "name\tcost\nC\t20\n", 0))
        try Data(bytes.prefix(100)).write(to: cache)
        #expect(try run() == ("written", "name\tcost\nC\t20\n", 0))
        #expect(try run() == ("opened", "name\tcost\nC\t20\n", 0))
        // A cache folder that cannot be made: the answer, and a warning.
        try "".write(to: folder.appendingPathComponent("blocked"), atomically: true, encoding: .utf8)
        let blocked = try Harness.run(["--cache", "-g", graph, "-c", "count credentials"],
                                      environment: ["XDG_CACHE_HOME": folder.appendingPathComponent("blocked").path])
        #expect(blocked.status == 0 && blocked.stdout == "count\n1\n")
        #expect(blocked.stderr.hasPrefix("credq: the cache was not written: "))
        // Without -g (the built-in catalog) there is nothing to cache.
        let builtIn = try Harness.run(["--cache", "-c", "count credentials"], environment: env)
        #expect(builtIn.status == 0 && builtIn.stdout == "count\n104\n" && !builtIn.stderr.contains("cache: "))
    }
}
