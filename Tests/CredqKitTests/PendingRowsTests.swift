import Testing
@testable import CredqKit

/// Listings keep entity indexes until rows are needed, and stream their output in batches.
/// Both must answer exactly what building every row first answers: a `let` binding builds
/// the rows, so `x | stages` is the reference for `credentials | stages`.
@Suite struct PendingRowsTests {
    static let pipelines = [
        "", "| count", "| limit 3", "| limit 0", "| sort by cost desc, name | limit 7",
        "| where cost < 500 | sort by weeks | limit 4", "| where kind = badge or kind = course | count",
        "| sort by provider | select id, provider | limit 5", "| where holders > 0 | sort by holders desc",
        "| sort by weeks | limit 50", "| sort by kind desc, weeks | limit 1000", "| sort by name | limit 0",
        "| group by kind", "| distinct", "| where name ~ data | limit 2 | sort by id desc",
        "| where cost < 500 | limit 4", "| where name ~ a | limit 0 | count", "| where name ~ e | limit 100000",
        "| sort by weeks | limit 5", "| sort by weeks desc | limit 5", "| sort by kind | limit 9",
        "| select id, name | limit 5", "| select name as title, id | sort by title | limit 3", "| select NAME, id, id",
        "| select id | sort by name | limit 4", "| select id, holders | where holders > 0", "| select id, cost * 2 | limit 3",
        "| select name | distinct | count", "| sort by cost desc", "| sort by WEEKS | select id, weeks",
        "| where cost > 100 | sort by cost", "| sort by name desc", "| sort by kind, name desc | select id, kind, name",
        "| sort by provider desc, cost",
    ]

    @Test(arguments: [OutputFormat.table, .tsv, .csv, .json, .ndjson, .markdown])
    func sameAnswersAsBuiltRows(_ format: OutputFormat) {
        for kind in ["credentials", "learners", "skills", "organizations", "roles"] {
            for stages in Self.pipelines where kind == "credentials" || !stages.contains("cost") && !stages.contains("kind")
                && !stages.contains("holders") && !stages.contains("provider") && !stages.contains("weeks") {
                let pending = Support.run("\(kind) \(stages)", format: format).output
                let built = Support.run("let x = \(kind)\nx \(stages)", format: format).output
                #expect(pending == built, "\(kind) \(stages) as \(format)")
            }
        }
    }

    /// A condition in the listing itself, then `limit`, stops after enough matches: the
    /// same rows as filtering every entity first.
    @Test func aLimitAfterAConditionStopsEarlyWithTheSameRows() {
        for (listing, limit) in [("credentials where cost < 300", "| limit 5"), ("credentials where teaches python >= 2", "| limit 2"),
                                 ("learners where name ~ a", "| limit 1"), ("credentials where weeks > 1", "| limit 0 | count"),
                                 ("skills where name ~ e", "| limit 1000 | count")] {
            let early = Support.run("\(listing) \(limit)", format: .tsv).output
            let built = Support.run("let x = \(listing)\nx \(limit)", format: .tsv).output
            #expect(early == built, "\(listing) \(limit)")
        }
    }

    @Test func conditionsThroughIndexesMatchAFullScan() {
        // `teaches`, `holds` and `requires` start from an index; `or true`-like padding forces a scan.
        let cases = [
            ("credentials where teaches python >= 2", "credentials where (teaches python >= 2) and id != \"\""),
            ("learners where holds google-data-analytics", "learners where holds google-data-analytics and name != \"\""),
            ("credentials where requires aws cloud practitioner", "credentials where requires aws cloud practitioner and id != \"\""),
            ("credentials where teaches python >= 3 or teaches sql >= 3", "credentials where teaches python >= 3 or teaches sql >= 3 or id = \"\""),
            // Answered by the index alone, with no second look at each credential.
            ("credentials where kind = Badge", "credentials where kind = Badge and id != \"\""),
            ("credentials where provider = COURSERA", "credentials where provider = COURSERA and id != \"\""),
            ("credentials where kind = course | limit 3", "credentials where kind = course and id != \"\" | limit 3"),
            // Cost and weeks against a number, from their flat arrays alone; `or id = ""` scans.
            ("credentials where cost < 300", "credentials where cost < 300 or id = \"\""),
            ("credentials where COST = 0", "credentials where COST = 0 or id = \"\""),
            ("credentials where cost != 0 | count", "credentials where cost != 0 or id = \"\" | count"),
            ("credentials where weeks >= 12", "credentials where weeks >= 12 or id = \"\""),
            ("credentials where weeks <= 2 and cost > 100", "credentials where (weeks <= 2 and cost > 100) or id = \"\""),
            ("credentials where weeks > 1 | limit 3", "credentials where weeks > 1 or id = \"\" | limit 3"),
        ]
        for (indexed, scanned) in cases {
            let a = Support.run(indexed, format: .tsv).output, b = Support.run(scanned, format: .tsv).output
            #expect(a == b, "\(indexed)")
            #expect(a.split(separator: "\n").count > 1, "\(indexed) should find something: \(a)")
        }
    }

    /// A number field compared with text is still an error, at the literal.
    @Test func costAgainstTextIsStillAnError() {
        let run = Support.run("credentials where cost < \"cheap\"", format: .tsv)
        #expect(run.output.hasPrefix("test.cq:1:26: error: cost is a number; compare it with a number, not \"cheap\""), "\(run.output)")
    }

    @Test func batchesJoinSeamlessly() throws {
        // More rows than the first batch (64): the catalog has over a hundred credentials.
        #expect(Support.catalog.credentials.count > 64)
        let session = Session(graph: Support.catalog, sources: [], format: .json, out: { _ in }, err: { _ in })
        let table = try session.evaluate("credentials")
        for format in [OutputFormat.tsv, .csv, .json, .ndjson] {
            let streamed = Support.run("credentials", format: format).output
            #expect(streamed == (try Renderer.render(table, as: format)), "\(format)")
        }
        #expect(Support.run("credentials | limit 0", format: .json).output == "[]\n")
        #expect(Support.run("credentials | limit 0", format: .tsv).output.split(separator: "\n").count == 1)
    }
}
