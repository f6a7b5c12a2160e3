import Testing
@testable import CredqKit

/// The query plan: each rewrite is chosen where it applies, and the optimised plan answers
/// exactly as the naive one (every stage as written, on built rows) does.
@Suite struct QueryPlanTests {
    static func pipeline(_ text: String) -> Pipeline {
        let parsed = Parser.parse(text)
        guard parsed.errors.isEmpty, case .pipeline(let p)? = parsed.script.statements.first else { fatalError("not a pipeline: \(text)") }
        return p
    }

    /// The steps a pipeline lowers to, as short words.
    static func steps(_ text: String, optimized: Bool = true) -> [String] {
        let plan = QueryPlan.lower(pipeline(text), optimized: optimized)
        var out: [String] = []
        if case .boundedListing = plan.start { out.append("bounded-listing") } else { out.append("source") }
        for step in plan.steps {
            switch step {
            case .stage(let s): out.append("\(s)".split(separator: "(").first.map(String.init) ?? "stage")
            case .boundedFilter: out.append("bounded-filter")
            case .topN: out.append("top-n")
            case .group(_, let aggregates): out.append("group(" + aggregates.map(\.column).joined(separator: ",") + ")")
            }
        }
        return out
    }

    @Test func eachRewriteIsChosenWhereItApplies() {
        #expect(Self.steps("credentials where cost < 300 | limit 5") == ["bounded-listing", "limit"])
        #expect(Self.steps("credentials | sort by cost | limit 3") == ["source", "top-n"])
        #expect(Self.steps("credentials | where cost < 300 | limit 2") == ["source", "bounded-filter", "limit"])
        #expect(Self.steps("credentials | group by kind | avg cost") == ["source", "group(avg_cost)"])
        #expect(Self.steps("credentials | group by kind") == ["source", "group(count)"])
        #expect(Self.steps("credentials | group by kind | count") == ["source", "group(count)"])
        #expect(Self.steps("credentials | group by kind | count, max weeks | count") == ["source", "group(count,max_weeks)", "count"])
        #expect(Self.steps("credentials | sort by cost | select name | limit 3") == ["source", "sort", "select", "limit"])
        // Naive: every stage as written; grouping still takes its aggregate (that is its meaning).
        #expect(Self.steps("credentials where cost < 300 | limit 5", optimized: false) == ["source", "limit"])
        #expect(Self.steps("credentials | sort by cost | limit 3", optimized: false) == ["source", "sort", "limit"])
        #expect(Self.steps("credentials | group by kind | avg cost", optimized: false) == ["source", "group(avg_cost)"])
    }

    /// Stages after a count go on (they were skipped when the count was taken over unbuilt rows).
    @Test func stagesAfterACountRun() {
        #expect(Support.run("credentials | count | where count > 1000", format: .tsv).output == "count\n")
        #expect(Support.run("credentials | count | select count as n", format: .tsv).output == "n\n104\n")
    }

    static let queries = [
        "credentials where cost < 300 | limit 5", "credentials where teaches python >= 2 | limit 2",
        "credentials | sort by cost desc, name | limit 7", "credentials | where cost < 500 | sort by weeks | limit 4",
        "credentials | where kind = badge or kind = course | count", "credentials | sort by weeks | limit 50",
        "credentials | sort by kind desc, weeks | limit 1000", "credentials | where name ~ data | limit 2 | sort by id desc",
        "credentials | where cost < 500 | limit 4", "credentials | where name ~ a | limit 0 | count",
        "credentials | count | where count > 1000", "credentials | count | select count as n",
        "learners where name ~ a | limit 1", "skills where name ~ e | limit 1000 | count",
        "credentials | group by kind | avg cost", "credentials | group by provider", "roles | sort by name | limit 3",
        "credentials where provider = coursera | sort by total_cost | limit 3", "skills of mike | sort by level | limit 2",
        "credentials | where holders > 0 | sort by holders desc | limit 3", "learners | sort by name desc | limit 2 | select id",
    ]

    @Test(arguments: queries)
    func optimisedAnswersAsNaive(_ query: String) throws {
        let evaluator = Evaluator(graph: Support.catalog, variables: [:], parameters: [:], isInterrupted: { false })
        let fast = try evaluator.evaluate(Self.pipeline(query)).materialized()
        let naive = try evaluator.evaluate(Self.pipeline(query), optimized: false).materialized()
        #expect(fast.columns == naive.columns)
        #expect(fast.rows.map(\.values) == naive.rows.map(\.values))
    }
}
