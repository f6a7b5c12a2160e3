/// A pipeline lowered into the steps that run it. Every rewrite the evaluator makes for speed
/// is decided here, in one place, and `optimized: false` lowers without them, so that tests
/// can check that the optimised plan answers exactly as the naive one does.
///
/// The rewrites (each only changes how much work is done, never the answer):
/// - `LISTING where C | limit n`: the listing stops looking after n matches;
/// - `where C | limit n`: over rows not yet built, the filter stops after n matches;
/// - `sort by K | limit n`: over rows not yet built, the best n in one pass, not a sort of all.
/// `group by F` takes the `count` or aggregates after it whether optimised or not: that is
/// what the language means by it (alone, it counts).
struct QueryPlan {
    enum Start {
        /// The source as written.
        case source(Source)
        /// A listing with a condition and a `limit` right after it: at most that many rows.
        case boundedListing(EntityKind, Condition, limit: Setting<Int>)
    }

    enum Step {
        /// A stage as written.
        case stage(Stage)
        /// `where C` followed by `limit n` (which stays a step of its own).
        case boundedFilter(Stage, limit: Setting<Int>)
        /// `sort by K | limit n`: the two stages, run as one where the rows allow it.
        case topN(sort: Stage, limit: Stage)
        /// `group by F`, with the aggregates after it (`count` when none follow).
        case group(Field, aggregates: [AggregateItem])
    }

    var start: Start
    var steps: [Step]

    static func lower(_ pipeline: Pipeline, optimized: Bool = true) -> QueryPlan {
        var start = Start.source(pipeline.source)
        if optimized, case .listing(let kind, let condition?, _) = pipeline.source, case .limit(let n, _)? = pipeline.stages.first {
            start = .boundedListing(kind, condition, limit: n)
        }
        let stages = pipeline.stages
        var steps: [Step] = []
        var i = 0
        while i < stages.count {
            let stage = stages[i]
            let next = i + 1 < stages.count ? stages[i + 1] : nil
            switch (stage, next) {
            case (.group(let field, _), .count?):
                steps.append(.group(field, aggregates: [.count]))
                i += 2
            case (.group(let field, _), .aggregate(let a, let f, _)?):
                steps.append(.group(field, aggregates: [.of(a, f)]))
                i += 2
            case (.group(let field, _), .aggregates(let items, _)?):
                steps.append(.group(field, aggregates: items))
                i += 2
            case (.group(let field, _), _):
                steps.append(.group(field, aggregates: [.count]))
                i += 1
            case (.sort, .limit?) where optimized:
                steps.append(.topN(sort: stage, limit: next!))
                i += 2
            case (.filter, .limit(let n, _)?) where optimized:
                steps.append(.boundedFilter(stage, limit: n))
                i += 1
            default:
                steps.append(.stage(stage))
                i += 1
            }
        }
        return QueryPlan(start: start, steps: steps)
    }
}
