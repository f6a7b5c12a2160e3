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
