import Foundation
import Testing
@testable import CredqKit

/// Importers: real data formats into graphs that load with -g.
@Suite struct ImportTests {
    @Test func onetFixtureBecomesRolesAndSkills() throws {
        let result = try OnetImporter.convert(directory: Support.root.appendingPathComponent("Tests/Fixtures/onet").path)
        #expect(result.roles == 2)
        // Lines too short to read come first (found while reading), then what cannot be mapped.
        #expect(result.report == [
            "Technology Skills.txt:5: skipped: 2 fields, expected 6",
            "Occupation Data.txt:4: skipped: \"not-a-code\" is not an O*NET-SOC code",
            "Alternate Titles.txt:5: skipped: no occupation 15-0000.00",
        ])
        let graph = try Support.load([("onet.json", result.json)]).graph
        let engineer = graph.roles[graph.index(of: "15-9999.01", kind: .role)!]
        #expect(engineer.aliases == ["Cloud Architect", "Cloud Platform Engineer", "Cloud Engineer"])
        #expect(engineer.onet == "15-9999.01")
        let needs = engineer.needs.map { (graph.skills[$0.skill].name, $0.level) }
        #expect(needs.map(\.0) == ["Amazon Web Services AWS software", "Terraform"])
        #expect(needs.map(\.1) == [2, 1])
        let aws = graph.skills[graph.index(of: "tech-amazon-web-services-aws-software", kind: .skill)!]
        #expect(aws.broader.map { graph.skills[$0].name } == "Operating system software")
        // "Cloud Architect" is an alternate title of both occupations: the name resolves to both.
        let box = OutputBox()
        let session = Session(graph: graph, sources: [], format: .tsv, out: { box.text += $0 }, err: { box.text += $0 })
        session.run("skills of cloud architect", name: "t")
        #expect(box.text.contains("\"Example Cloud Engineers\" (role 15-9999.01)") && box.text.contains("\"Example Data Stewards\" (role 15-9999.02)"))
    }

    @Test func onetRefusesAFolderThatIsNotARelease() {
        #expect(throws: OnetImporter.ImportError.self) { try OnetImporter.convert(directory: "/nonexistent") }
        #expect(OnetImporter.slug("C++ / Qt 5.x") == "c-qt-5-x")
    }

    static let realOnet = Support.root.deletingLastPathComponent().appendingPathComponent("shared/realdata/onet")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: realOnet.path), "needs ../shared/realdata"))
    func realOnetRelease() throws {
        let result = try OnetImporter.convert(directory: Self.realOnet.path)
        #expect(result.roles == 1016)
        let graph = try Support.load([("onet.json", result.json)]).graph
        let listing = graph.roles.filter { $0.aliases.contains("Cloud Architect") }.map(\.id).sorted()
        #expect(listing == ["15-1241.00", "15-1243.00", "15-1299.08"])
    }
}
