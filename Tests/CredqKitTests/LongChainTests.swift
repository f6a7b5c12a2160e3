import Foundation
import Testing
@testable import CredqKit

/// A valid graph may hold prerequisite chains far longer than a call stack can follow one call
/// a link (a test's thread has far less stack than the main one): every walk, plan and format
/// must answer them, in time linear in the chain, with the answers the chain implies.
@Suite struct LongChainTests {
    static let n = 50_000

    /// c0 ← c1 ← ... (each requires the one before; c0 from another provider), and composites
    /// k0 ← k1 ← ... each needing its course and the composite before.
    static let graph: Graph = {
        var credentials = (0..<n).map { i in
            "{\"id\": \"c\(i)\", \"name\": \"C\(i)\", \"kind\": \"course\", \"provider\": \"\(i == 0 ? "p" : "o")\", \"cost\": 1, \"weeks\": 1"
                + (i > 0 ? ", \"requires\": [\"c\(i - 1)\"]}" : "}")
        }
        for i in 0..<(n / 10) {
            let rule = i == 0 ? "{\"all\": [\"c0\"]}" : "{\"all\": [\"c\(i)\", \"k\(i - 1)\"]}"
            credentials.append("{\"id\": \"k\(i)\", \"name\": \"K\(i)\", \"kind\": \"certificate\", \"provider\": \"o\", \"stack\": \(rule)}")
        }
        let json = """
            {"credq": 1, "organizations": [{"id": "o", "name": "O", "kind": "university"}, {"id": "p", "name": "P", "kind": "platform"}],
             "skills": [], "credentials": [\(credentials.joined(separator: ", "))],
             "learners": [{"id": "l", "name": "L", "holds": [{"id": "h", "credential": "c5", "issued": "2024-01-01"}]}]}
            """
        return try! GraphLoader.load([GraphSource(name: "chain.json", bytes: Array(json.utf8))]).graph
    }()

    let session = Session(graph: LongChainTests.graph, sources: [], format: .tsv, out: { _ in }, err: { _ in })

    func answer(_ query: String) throws(ScriptError) -> [[String]] {
        try session.evaluate(query).rows.map { $0.values.map(\.plainText) }
    }

    @Test func walksFollowTheWholeChain() throws {
        #expect(try answer("prerequisites of c\(Self.n - 1) | count") == [["\(Self.n - 1)"]])
        #expect(try answer("prerequisites of c\(Self.n - 1) | limit 2 | select id") == [["c0"], ["c1"]])
        #expect(try answer("credentials where requires c3 | count") == [["\(Self.n - 4)"]])
        let dot = try Renderer.render(session.evaluate("prerequisites of c\(Self.n - 1)"), as: .dot, style: .init(), graph: Self.graph)
        #expect(dot.split(separator: "\n").filter { $0.contains("->") }.count == Self.n - 1)
    }

    @Test func plansFollowTheWholeChain() throws {
        #expect(try answer("stacks toward credential c\(Self.n - 1) limit 1 | select count, cost") == [["\(Self.n)", "\(Self.n)"]])
        #expect(try answer("stacks toward credential c\(Self.n - 1) for l | select count") == [["\(Self.n - 6)"]])
    }

    @Test func totalsAndCompareFollowTheWholeChain() throws {
        #expect(try answer("credentials where id = c\(Self.n - 1) | select total_cost, total_weeks") == [["\(Self.n)", "\(Self.n)"]])
        let compared = try answer("compare c\(Self.n - 1), c20000")
        #expect(compared.first { $0[0] == "total cost" } == ["total cost", "\(Self.n) USD", "20001 USD"])
    }

    /// Why the end of the chain cannot be earned from one provider: the chain of reasons down
    /// to its first link, shortened in the middle.
    @Test func aChainThatCannotBeEarnedSaysWhyBriefly() throws {
        do throws(ScriptError) {
            _ = try answer("stacks toward credential c\(Self.n - 1) using o")
            Issue.record("planned a chain whose first link is out of reach")
        } catch {
            let text = error.problem.message
            #expect(text.hasPrefix("no stack reaches \"C\(Self.n - 1)\": it requires \"C\(Self.n - 2)\", which cannot be earned: "))
            #expect(text.contains("(\(Self.n - 6) more steps like these)"))
            #expect(text.hasSuffix("\"C0\" is awarded by P, not by the organisations in 'using'"))
            #expect(text.count < 600)
        }
    }
}
