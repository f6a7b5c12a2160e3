import Foundation
import Testing
@testable import CredqKit

/// Importers: real data formats into graphs that load with -g.
@Suite struct ImportTests {
    @Test func onetFixtureBecomesRolesAndSkills() throws {
        let result = try OnetImporter.convert(directory: Support.root.appendingPathComponent("Tests/Fixtures/onet").path)
        #expect(result.roles == 2)
        // Lines left out, once per file and reason: those too short to read first (found
        // while reading), then what cannot be mapped.
        #expect(result.report == [
            "Technology Skills.txt: 1 line left out: 2 fields, expected 6 (line 5)",
            "Occupation Data.txt: 1 line left out: not an O*NET-SOC code (line 4)",
            "Alternate Titles.txt: 1 line left out: no such occupation (line 5)",
            "Related Occupations.txt: 1 line left out: no such occupation (line 4)",
            "1 occupation has no In Demand technology: it needs no skill, so a plan toward it is empty (its technologies are in uses)",
        ])
        let graph = try Support.load([("onet.json", result.json)]).graph
        let engineer = graph.roles[graph.index(of: "15-9999.01", kind: .role)!]
        #expect(engineer.aliases == ["Cloud Architect", "Cloud Platform Engineer", "Cloud Engineer"])
        #expect(engineer.onet == "15-9999.01")
        // In Demand technologies are needs (level 2); the others are what the role uses.
        let needs = engineer.needs.map { (graph.skills[$0.skill].name, $0.level) }
        #expect(needs.map(\.0) == ["Amazon Web Services AWS software"] && needs.map(\.1) == [2])
        #expect(engineer.uses.map { graph.skills[$0].name } == ["Terraform"])
        #expect(engineer.related.map { graph.roles[$0].id } == ["15-9999.02"])
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
        #expect(OnetImporter.slug("C++ / Qt 5.x") == "c-plus-plus-qt-5-x")
    }

    /// Ids made from names never merge two technologies: C# and C++ are two skills, each with
    /// every occupation that uses it; a collision left over gets a number, reported.
    @Test func onetTechnologiesWithSimilarNamesStayApart() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fixture = Support.root.appendingPathComponent("Tests/Fixtures/onet")
        for name in ["Occupation Data.txt", "Alternate Titles.txt"] {
            try FileManager.default.copyItem(at: fixture.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        var tech = try String(contentsOf: fixture.appendingPathComponent("Technology Skills.txt"), encoding: .utf8)
        for (code, example) in [("15-9999.01", "C++"), ("15-9999.01", "C#"), ("15-9999.02", "C++"), ("15-9999.02", "R"), ("15-9999.02", "R!")] {
            tech += "\(code)\t\(example)\t43232405\tObject or component oriented development software\tN\tN\r\n"
        }
        try tech.write(to: folder.appendingPathComponent("Technology Skills.txt"), atomically: true, encoding: .utf8)
        let result = try OnetImporter.convert(directory: folder.path)
        let graph = try Support.load([("onet.json", result.json)]).graph
        let plus = try #require(graph.index(of: "tech-c-plus-plus", kind: .skill))
        let sharp = try #require(graph.index(of: "tech-c-sharp", kind: .skill))
        #expect(graph.skills[plus].name == "C++" && graph.skills[sharp].name == "C#")
        func users(_ skill: Int) -> Int { graph.roles.filter { $0.uses.contains(skill) || $0.needs.contains { $0.skill == skill } }.count }
        #expect(users(plus) == 2 && users(sharp) == 1)
        #expect(graph.index(of: "tech-r-2", kind: .skill).map { graph.skills[$0].name } == "R!")
        #expect(result.report.contains("technologies \"R\" and \"R!\" share the id tech-r: the second is tech-r-2"))
    }

    static let realOnet = Support.root.deletingLastPathComponent().appendingPathComponent("shared/realdata/onet")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: realOnet.path), "needs ../shared/realdata"))
    func realOnetRelease() throws {
        let result = try OnetImporter.convert(directory: Self.realOnet.path)
        #expect(result.roles == 1016)
        let graph = try Support.load([("onet.json", result.json)]).graph
        let listing = graph.roles.filter { $0.aliases.contains("Cloud Architect") }.map(\.id).sorted()
        #expect(listing == ["15-1241.00", "15-1243.00", "15-1299.08"])
        // O*NET's In Demand technologies are the needs: 13 for Computer Network Architects, 30
        // for Software Developers; "C++" is used in 110 occupations, "C#" in 55.
        #expect(graph.roles[graph.index(of: "15-1241.00", kind: .role)!].needs.count == 13)
        #expect(graph.roles[graph.index(of: "15-1252.00", kind: .role)!].needs.count == 30)
        let box = OutputBox()
        let session = Session(graph: graph, sources: [], format: .tsv, out: { box.text += $0 }, err: { box.text += $0 })
        session.run("count roles where uses \"C++\"; count roles where uses \"C#\"", name: "t")
        #expect(box.text == "count\n110\ncount\n55\n")
    }
}

extension ImportTests {
    static func fixture(_ name: String) throws -> (name: String, bytes: [UInt8]) {
        (name, Array(try Data(contentsOf: Support.root.appendingPathComponent("Tests/Fixtures/openbadges/\(name)"))))
    }

    @Test func openBadgesCredentialBecomesAchievementIssuerSkillsAndHolding() throws {
        let result = OpenBadgesImporter.convert([try Self.fixture("data-course.json"), try Self.fixture("endorsement.json")], learner: nil)
        #expect(result.report == ["endorsement.json: skipped: not an OpenBadgeCredential (type VerifiableCredential, EndorsementCredential)"])
        let graph = try Support.load([("ob.json", result.json)]).graph
        let course = graph.credentials[graph.index(of: "https://uni.example/achievements/data-101", kind: .credential)!]
        #expect(course.kind == .course && course.credits == 3 && course.name == "Data Analysis 101")
        #expect(graph.organizations[course.provider].name == "Example University")
        #expect(course.teaches.map { graph.skills[$0.skill].id } == ["https://skills.example/data-analysis", "spreadsheets"])
        let sam = graph.learners[graph.index(of: "did:example:sam", kind: .learner)!]
        #expect(sam.holdings.map(\.id) == ["https://uni.example/credentials/77"])
        #expect(sam.holdings[0].issued == Day("2025-09-01") && sam.holdings[0].expires == Day("2028-09-01"))
        // Named learner; the same credential twice gets a second id and a report line.
        let twice = OpenBadgesImporter.convert([try Self.fixture("data-course.json"), try Self.fixture("data-course.json")], learner: "sam")
        #expect(twice.report == ["data-course.json: credential id https://uni.example/credentials/77 was already imported: this holding is https://uni.example/credentials/77#2"])
        #expect(try Support.load([("ob.json", twice.json)]).graph.learners[0].id == "sam")
        // A reason shared by several files is said once, with the files.
        let endorsements = OpenBadgesImporter.convert([try Self.fixture("endorsement.json"), try Self.fixture("endorsement.json"), try Self.fixture("data-course.json")], learner: nil)
        #expect(endorsements.report == ["2 files: skipped: not an OpenBadgeCredential (type VerifiableCredential, EndorsementCredential) (endorsement.json, endorsement.json)"])
    }

    static let realBadges = Support.root.deletingLastPathComponent().appendingPathComponent("shared/realdata/openbadges")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: realBadges.path), "needs ../shared/realdata"))
    func realOpenBadgesExamplesLoad() throws {
        let folder = Self.realBadges.appendingPathComponent("ob3-spec-examples")
        var inputs = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { name in
            (name: name, bytes: Array(try Data(contentsOf: folder.appendingPathComponent(name))))
        }
        inputs.append(("vc.jwt", Array(try Data(contentsOf: Self.realBadges.appendingPathComponent("signed/simple-rs256-embedded-jwk.jwt")))))
        let result = OpenBadgesImporter.convert(inputs, learner: "pat")
        let graph = try Support.load([("ob.json", result.json)]).graph
        #expect(graph.credentials.contains { $0.kind == .degree && $0.credits == 36 })
        #expect(graph.learners[0].holdings.contains { $0.proof != nil })
    }
}

extension ImportTests {
    /// A badge pathway whose components name no owner, with a condition that gives no
    /// requiredNumber (CTDL's default: all of them), a component listed twice, components
    /// that say what kind of credential they are, and names with spaces around them.
    /// The same pathway in compact JSON-LD and in expanded JSON-LD (full IRIs, value objects).
    @Test(arguments: ["ownerless-pathway.json", "ownerless-pathway.expanded.json"])
    func anOwnerlessPathwayKeepsItsStructure(_ file: String) throws {
        let bytes = Array(try Data(contentsOf: Support.root.appendingPathComponent("Tests/Fixtures/ctdl/\(file)")))
        let result = CTDLImporter.convert([("pathway.json", bytes)])
        #expect(result.refused.isEmpty)
        #expect(result.report.contains("1 record repeated (the same id listed again): imported once"))
        let g = try Support.load([("ctdl.json", result.json)]).graph
        #expect(g.credentials.count == 6)
        let dest = try #require(g.index(of: "ce-dest", kind: .credential))
        #expect(g.credentials[dest].name == "Teaching Excellence Certificate")
        #expect(g.credentials[g.index(of: "ce-b1", kind: .credential)!].kind == .badge)
        #expect(g.organizations[g.credentials[dest].provider].name == "Unknown provider")
        // 2 of the 3 badges, both courses (no requiredNumber), and the certificate itself.
        let stacks = try Planner(graph: g, target: .credential(dest), held: [], options: Planner.Options()).plan()
        #expect(stacks.first?.count == 5)
        #expect(stacks.count == 3)
    }

    /// A credit-based degree pathway as registries publish it: conditions and constraints as
    /// records of their own referred to by id, components standing for the courses they are
    /// (`proxyFor`), credits in value profiles, a credit total stated on a stage that precedes
    /// the destination (over the courses of that stage and the stages before it), a grade
    /// constraint and an upper bound credq cannot plan. In compact and in expanded JSON-LD.
    @Test(arguments: ["credit-pathway.json", "credit-pathway.expanded.json"])
    func aCreditPathwayPlansToItsTotal(_ file: String) throws {
        let bytes = Array(try Data(contentsOf: Support.root.appendingPathComponent("Tests/Fixtures/ctdl/\(file)")))
        let result = CTDLImporter.convert([("pathway.json", bytes)])
        #expect(result.refused.isEmpty)
        #expect(result.report.contains("pathway \"Applied Computing Pathway\": its destination is \"BSc Applied Computing\" (ce-degree)"))
        #expect(result.report.contains("2 pathway components of type BasicComponent that no condition targets (stages, groupings): structure, not something one earns; 1 of their conditions apply to the credentials they lead to"))
        #expect(result.report.contains("1 constraint on grade left out: credq plans credentials and credit totals, not grades, results or limits"))
        #expect(result.report.contains("1 constraint on value left out: credq plans credentials and credit totals, not grades, results or limits"))
        let g = try Support.load([("ctdl.json", result.json)]).graph
        // Six courses and the degree: the components are the courses they stand for, the stages are not credentials.
        #expect(g.credentials.count == 7)
        #expect(g.credentials[g.index(of: "ce-c6", kind: .credential)!].credits == 30)
        let degree = try #require(g.index(of: "ce-degree", kind: .credential))
        let stacks = try Planner(graph: g, target: .credential(degree), held: [], options: Planner.Options()).plan()
        // 2 of the 3 core courses (the cheapest two), then 30 more credits for 60 in all: the
        // two cheap year-2 courses rather than the 30-credit capstone.
        let best = try #require(stacks.first)
        #expect(best.cost == 430 && best.count == 5)
        #expect(Set(best.credentials.map { g.credentials[$0].id }) == ["ce-c1", "ce-c2", "ce-c4", "ce-c5", "ce-degree"])
        #expect(best.credentials.map { g.credentials[$0].credits }.reduce(0, +) == 60)
    }

    /// Shapes registries publish: two JSON documents one after another, components standing for
    /// their records by `sourceItem` (CTDL's older name for `proxyFor`), a SelectionComponent, a
    /// degree that requires its own pathway (`targetPathway`), a component whose only rule is its
    /// children, and a condition naming a component the files do not describe (a placeholder
    /// keeps "2 of 2" as strict as written, instead of quietly becoming "1 of 1").
    @Test func registryShapesKeepTheirRules() throws {
        let bytes = Array(try Data(contentsOf: Support.root.appendingPathComponent("Tests/Fixtures/ctdl/selection-pathway.json")))
        let result = CTDLImporter.convert([("pathway.json", bytes)])
        #expect(result.refused.isEmpty)
        #expect(result.report.contains("pathway.json: 2 JSON documents one after another: read as one"))
        #expect(result.report.contains("1 pathway component with children (hasChild) and no condition: all of its children are its stack rule"))
        let g = try Support.load([("ctdl.json", result.json)]).graph
        let base = "https://example.org/resources/"
        #expect(g.credentials.map(\.id).sorted() == ["ce-c1", "ce-c2", "ce-degree", base + "ce-bundle", base + "ce-elsewhere", base + "ce-sel"])
        let degree = try #require(g.index(of: "ce-degree", kind: .credential))
        #expect(g.credentials[degree].requires.isEmpty)  // its own pathway is its rule, not a prerequisite
        let stacks = try Planner(graph: g, target: .credential(degree), held: [], options: Planner.Options()).plan()
        #expect(stacks.map(\.count) == [4, 4] && stacks.map(\.cost) == [50, 100])
        #expect(stacks[0].credentials.map { g.credentials[$0].name }.contains("Not described: ce-elsewhere"))
        let bundle = try #require(g.index(of: base + "ce-bundle", kind: .credential))
        let both = try Planner(graph: g, target: .credential(bundle), held: [], options: Planner.Options()).plan()
        #expect(both.first?.cost == 150 && both.first?.count == 3)
    }

    /// A pathway's order (a condition on a certification naming the one before it, as in
    /// CompTIA's chain; `precedes`) becomes prerequisites, not parts.
    @Test func aPathwaysOrderBecomesPrerequisites() throws {
        let bytes = Array(try Data(contentsOf: Support.root.appendingPathComponent("Tests/Fixtures/ctdl/pathway-order.json")))
        let result = CTDLImporter.convert([("order.json", bytes)])
        #expect(result.report.contains("1 pathway condition on credentials (the order they come in) imported as prerequisites"))
        #expect(result.report.contains("1 preparation link (isPreparationFor, preparationFrom) left out: advice, not a prerequisite"))
        let g = try Support.load([("ctdl.json", result.json)]).graph
        let pro = try #require(g.index(of: "ce-b", kind: .credential))
        #expect(g.credentials[pro].stack == nil)
        #expect(Set(g.prerequisiteOrder(of: pro).map { g.credentials[$0].id }) == ["ce-a", "ce-c"])
        let dest = try #require(g.index(of: "ce-dest", kind: .credential))
        let stacks = try Planner(graph: g, target: .credential(dest), held: [], options: Planner.Options()).plan()
        #expect(stacks.map(\.count) == [4])
    }

    @Test func invalidJSONIsALocatedRefusal() throws {
        let bad = Array(try Data(contentsOf: Support.root.appendingPathComponent("Tests/Fixtures/ctdl/invalid.json")))
        let result = CTDLImporter.convert([("invalid.json", bad)])
        #expect(result.refused == ["invalid.json:4:1: error: not valid JSON: unexpected end of input inside an object"])
        #expect(result.credentials == 0)
    }

    @Test func ctdlRecordsBecomeCredentialsWithRulesAndPrerequisites() throws {
        let bytes = Array(try Data(contentsOf: Support.root.appendingPathComponent("Tests/Fixtures/ctdl/program.json")))
        let result = CTDLImporter.convert([("program.json", bytes)])
        #expect(result.report == [
            "organization https://example.org/org/2 is referenced but not described: a placeholder was made",
            "1 part the records do not describe left out (ce-cert-1 has part https://example.org/course/missing)",
            "1 record of type Occupation left out: credq has no place for them",
        ])
        let g = try Support.load([("ctdl.json", result.json)]).graph
        let a = g.credentials[g.index(of: "ce-course-a", kind: .credential)!]
        #expect(a.kind == .course && a.cost == 350 && a.weeks == 6 && a.currency == "USD")
        #expect(g.organizations[a.provider].name == "Example College" && g.organizations[a.provider].kind == .university)
        let b = g.credentials[g.index(of: "ce-course-b", kind: .credential)!]
        #expect(b.requires == [g.index(of: "ce-course-a", kind: .credential)!])
        #expect(b.weeks == 13)  // the mean of 2 and 4 months
        let cert = g.credentials[g.index(of: "ce-cert-1", kind: .credential)!]
        #expect(cert.stack == .all([.credential(g.index(of: "ce-course-a", kind: .credential)!), .credential(g.index(of: "ce-course-b", kind: .credential)!)]))
        #expect(cert.platform.map { g.organizations[$0].id } == "https://example.org/org/2")
        // Registry envelopes and lists of records read the same.
        let envelope = "[{\"envelope_type\": \"resource_data\", \"decoded_resource\": {\"@id\": \"https://x.example/c\", \"@type\": \"ceterms:Badge\", \"ceterms:name\": {\"en\": \"Envelope Badge\"}, \"ceterms:ownedBy\": \"https://x.example/o\"}}]"
        let fromEnvelope = try Support.load([("env.json", CTDLImporter.convert([("env.json", Array(envelope.utf8))]).json)]).graph
        #expect(fromEnvelope.credentials.map(\.name) == ["Envelope Badge"])
        #expect(CTDLImporter.weeks("P1Y6M") == 78 && CTDLImporter.weeks("PT40H") == 1 && CTDLImporter.weeks("9 months") == nil)
    }

    static let realCTDL = Support.root.deletingLastPathComponent().appendingPathComponent("shared/realdata/ctdl")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: realCTDL.path), "needs ../shared/realdata"))
    func realCompTIAPathwayAnswersStacks() throws {
        let bytes = Array(try Data(contentsOf: Self.realCTDL.appendingPathComponent("comptia-it-networking-specialist.pathway.jsonld")))
        let graph = try Support.load([("ctdl.json", CTDLImporter.convert([("pathway", bytes)]).json)]).graph
        let box = OutputBox()
        let session = Session(graph: graph, sources: [], format: .tsv, out: { box.text += $0 }, err: { box.text += $0 })
        session.run("stacks toward it networking specialist | select rank, count", name: "t")
        #expect(box.text == "rank\tcount\n1\t9\n")
    }
}
