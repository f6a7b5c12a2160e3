import Foundation
import Testing
@testable import CredqKit

/// Every seed input and every input a fuzzer once crashed on (`fuzz/regressions/TARGET/`),
/// run through the same fuzz target functions: a regression traps here as it did there.
@Suite struct FuzzCorpusTests {
    static func inputs(_ target: String) -> [URL] {
        ["corpus", "regressions"].flatMap { folder -> [URL] in
            let dir = Support.root.appendingPathComponent("fuzz/\(folder)/\(target)")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            return names.sorted().map { dir.appendingPathComponent($0) }
        }
    }

    @Test(arguments: FuzzTargets.names)
    func replays(_ target: String) throws {
        let files = Self.inputs(target)
        #expect(!files.isEmpty, "no seed corpus for \(target)")
        for file in files {
            #expect(FuzzTargets.run(target, Array(try Data(contentsOf: file))))
        }
    }
}

extension FuzzCorpusTests {
    /// The snapshot the fuzzer once crashed on (the long ids' offsets given 0 bytes, fewer
    /// than one offset, in a header whose sizes and block sums otherwise agree) is refused,
    /// resealed, before that column is read: a holding refers to a long id it cannot hold.
    @Test func theSnapshotRegressionIsRefused() throws {
        let file = try #require(Self.inputs("snapshot").first { $0.lastPathComponent.hasPrefix("snapshot-crash-") })
        let sealed = try #require(SnapshotSeal.resealed(Array(try Data(contentsOf: file))))
        do {
            try SnapshotFile(path: "t.cqs", file: MappedFile(copying: sealed)).checkAll()
            Issue.record("the crafted snapshot was taken for whole")
        } catch {
            #expect(error.reason == "section holding.packed: holding 1 refers to long id 0 of 0")
        }
    }
}
