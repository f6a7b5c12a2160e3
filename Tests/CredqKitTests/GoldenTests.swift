import Foundation
import Testing
@testable import CredqKit

/// Golden scripts: every `Tests/Golden/<feature>/<case>.cq` runs on the default catalog (table
/// format, no colour), and what it writes to stdout and stderr must equal `<case>.out` byte for
/// byte. `CREDQ_RECORD=1 swift test` rewrites the `.out` files from the current behaviour.
@Suite struct GoldenTests {
    static let folder = Support.root.appendingPathComponent("Tests/Golden")

    static var cases: [String] {
        let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".cq") }.sorted()
    }

    @Test(arguments: cases)
    func golden(_ path: String) throws {
        let script = try String(contentsOf: Self.folder.appendingPathComponent(path), encoding: .utf8)
        let (output, _) = Support.run(script, name: (path as NSString).lastPathComponent, keepGoing: true)
        let expectedURL = Self.folder.appendingPathComponent(String(path.dropLast(3)) + ".out")
        if ProcessInfo.processInfo.environment["CREDQ_RECORD"] != nil {
            try output.write(to: expectedURL, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(output == expected, "\(path): output differs from its .out file (CREDQ_RECORD=1 re-records)")
    }

    @Test func thereAreGoldenScripts() {
        #expect(Self.cases.count >= 20)
    }
}
