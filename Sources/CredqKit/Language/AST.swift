/// The syntax tree of a script. Every node carries the source range it was parsed from.

/// A whole script: its statements in order.
struct Script: Sendable {
    var statements: [Statement]
}

/// One statement.
indirect enum Statement: Sendable {
    case pipeline(Pipeline)
    case binding(Binding)
    case meta(MetaCommand)
    /// `assume LEARNER holds CREDENTIAL, ...`: hypothetical holdings for the session.
    case assume(learner: NameRef, credentials: [NameRef], range: SourceRange)
    /// `forget assumptions`.
    case forgetAssumptions(range: SourceRange)

    var range: SourceRange {
        switch self {
        case .pipeline(let p): p.range
        case .binding(let b): b.range
        case .meta(let m): m.range
        case .assume(_, _, let r), .forgetAssumptions(let r): r
        }
    }
}

/// `let NAME = pipeline`.
struct Binding: Sendable {
    var name: String
    var value: Pipeline
    var range: SourceRange
}

/// `.name argument`.
struct MetaCommand: Sendable {
    var name: String
    var argument: String?
    var nameRange: SourceRange
    var argumentRange: SourceRange?
    var range: SourceRange
}

/// A source followed by stages.
struct Pipeline: Sendable {
    var source: Source
    var stages: [Stage]
    var range: SourceRange
}

/// A name as the user wrote it: words, a quoted string or a parameter, maybe with a kind.
struct NameRef: Sendable {
    enum Spelling: Sendable, Equatable {
        case words(String)
        case quoted(String)
        case parameter(String)
    }

    var spelling: Spelling
    /// An explicit `role`, `credential`, `skill`, `learner` or `org` before the name.
    var kind: EntityKind?
    var range: SourceRange
}

/// Where rows come from.
indirect enum Source: Sendable {
    case listing(EntityKind, condition: Condition?, range: SourceRange)
    case count(Source, range: SourceRange)
    case skillsOf(NameRef, range: SourceRange)
    /// `credentials of LEARNER`: what the learner holds, one row per counted holding.
    case credentialsOf(NameRef, range: SourceRange)
    /// `holdings [where C]`: every holding of every learner, counted or not.
    case holdings(condition: Condition?, range: SourceRange)
    case credentialsTeaching(NameRef, range: SourceRange)
    case holdersOf(NameRef, range: SourceRange)
    case prerequisitesOf(NameRef, range: SourceRange)
    case partsOf(NameRef, range: SourceRange)
    case relatedRoles(NameRef, range: SourceRange)
    case stacks(StacksQuery)
    /// `nearest roles for LEARNER` / `nearest learners toward ROLE`.
    case nearest(NearestQuery)
    case gaps(learner: NameRef, target: NameRef, range: SourceRange)
    case compare([NameRef], range: SourceRange)
    case verify(NameRef?, asOf: Setting<Day>?, range: SourceRange)
    case variable(String, isParameter: Bool, range: SourceRange)

    var range: SourceRange {
        switch self {
        case .listing(_, _, let r), .count(_, let r), .skillsOf(_, let r), .credentialsOf(_, let r), .holdings(_, let r), .credentialsTeaching(_, let r),
            .holdersOf(_, let r), .prerequisitesOf(_, let r), .partsOf(_, let r), .relatedRoles(_, let r), .gaps(_, _, let r),
            .compare(_, let r), .verify(_, _, let r), .variable(_, _, let r):
            r
        case .stacks(let q): q.range
        case .nearest(let q): q.range
        }
    }
}

/// A number or date written in the script, or a `$parameter` that stands for one (its value
/// is read, and checked, when the statement runs).
enum Setting<T: Sendable>: Sendable {
    case value(T)
    case parameter(String, range: SourceRange)
}

/// `stacks toward TARGET [for LEARNER] [by ...] [limit N] [max cost C] [max weeks W] [using ORG, ...]`.
struct StacksQuery: Sendable {
    enum Ranking: String, Sendable { case cost, weeks, count }
    var target: NameRef
    /// `stacks toward skill NAME LEVEL`: the level to reach (nil: 1).
    var level: Int?
    var learner: NameRef?
    var ranking: Ranking = .cost
    var limit: Setting<Int> = .value(5)
    var maxCost: Setting<Double>?
    var maxWeeks: Setting<Double>?
    var using: [NameRef] = []
    var range: SourceRange
}

/// The planning options a statement takes: `by`, `limit`, `max cost`, `max weeks`, `using`.
protocol PlanOptions {
    var ranking: StacksQuery.Ranking { get set }
    var limit: Setting<Int> { get set }
    var maxCost: Setting<Double>? { get set }
    var maxWeeks: Setting<Double>? { get set }
    var using: [NameRef] { get set }
}

extension StacksQuery: PlanOptions {}

/// `nearest roles for LEARNER [options]` (each role with the learner's best stack toward it)
/// or `nearest learners toward ROLE [options]` (each learner with their best stack toward it).
struct NearestQuery: Sendable, PlanOptions {
    /// True: roles for a learner; false: learners toward a role.
    var roles: Bool
    /// The learner (for roles) or the role (for learners).
    var subject: NameRef
    var ranking: StacksQuery.Ranking = .cost
    /// Every role (learner) the stacks reach unless a limit is given.
    var limit: Setting<Int> = .value(Int.max)
    var maxCost: Setting<Double>?
    var maxWeeks: Setting<Double>?
    var using: [NameRef] = []
    var range: SourceRange
}

/// One `| stage`.
enum Stage: Sendable {
    case filter(Condition, range: SourceRange)
    case select([SelectItem], range: SourceRange)
    case sort([SortKey], range: SourceRange)
    case limit(Setting<Int>, range: SourceRange)
    case count(range: SourceRange)
    case group(Field, range: SourceRange)
    case aggregate(Aggregate, Field, range: SourceRange)
    /// Several aggregates in one stage, `count, avg cost, max weeks`: one column each.
    case aggregates([AggregateItem], range: SourceRange)
    case distinct(range: SourceRange)
}

/// `sum`, `avg`, `min` or `max`.
enum Aggregate: String, Sendable, CaseIterable { case sum, avg, min, max }

/// One aggregate of a list: `count`, or an aggregate of a field.
enum AggregateItem: Sendable {
    case count
    case of(Aggregate, Field)

    /// Its column: `count`, `avg_cost`.
    var column: String {
        switch self {
        case .count: "count"
        case .of(let a, let f): "\(a.rawValue)_\(f.name)"
        }
    }
}

/// A field name as written.
struct Field: Sendable {
    var name: String
    var range: SourceRange
}

struct SelectItem: Sendable {
    var expression: Expression
    var alias: String?

    /// The column's name: its alias, else the expression as written.
    var column: String { alias ?? expression.text }
}

struct SortKey: Sendable {
    var expression: Expression
    var descending: Bool

    /// The field, when the key is a field alone (the fast paths read only fields).
    var field: Field? { if case .field(let f) = expression { f } else { nil } }
}

/// `+ - * /`.
enum ArithmeticOp: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
}

/// A field, a number, or arithmetic over them (`cost / weeks`, `(cost + 100) * 2`).
indirect enum Expression: Sendable {
    case field(Field)
    case number(Double, range: SourceRange)
    case parameter(String, range: SourceRange)
    case binary(ArithmeticOp, Expression, Expression)
    /// `( expression )`, kept so that the written form and its range survive.
    case parenthesized(Expression, range: SourceRange)

    var range: SourceRange {
        switch self {
        case .field(let f): f.range
        case .number(_, let r), .parameter(_, let r), .parenthesized(_, let r): r
        case .binary(_, let a, let b): SourceRange(a.range.start, b.range.end)
        }
    }

    /// Whether it does arithmetic (not a field or a number alone).
    var isArithmetic: Bool {
        switch self {
        case .binary: true
        case .parenthesized(let e, _): e.isArithmetic
        default: false
        }
    }

    /// The expression written out, one space around each operator: a column's default name.
    var text: String {
        switch self {
        case .field(let f): f.name
        case .number(let n, _): Value.format(n)
        case .parameter(let p, _): "$" + p
        case .binary(let op, let a, let b): "\(a.text) \(op.rawValue) \(b.text)"
        case .parenthesized(let e, _): "(\(e.text))"
        }
    }
}

/// A comparison operator.
enum CompareOp: String, Sendable {
    case equal = "=", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
}

/// A literal on the right of a comparison.
struct Literal: Sendable {
    enum Form: Sendable, Equatable {
        case number(Double)
        case text(String)
        case date(Day)
        case parameter(String)
    }

    var form: Form
    var range: SourceRange
}

/// A condition of `where`.
indirect enum Condition: Sendable {
    case and(Condition, Condition)
    case or(Condition, Condition)
    case not(Condition, range: SourceRange)
    case compare(Field, CompareOp, Literal)
    case contains(Field, Literal)
    case member(Field, [Literal], negated: Bool, range: SourceRange)
    /// A comparison with arithmetic on either side: `cost / weeks < 50`, `cost > 2 * weeks`.
    case arithmetic(Expression, CompareOp, Expression)
    case teaches(NameRef, CompareOp, Int, range: SourceRange)
    case needs(NameRef, CompareOp, Int, range: SourceRange)
    case uses(NameRef, range: SourceRange)
    case holds(NameRef, range: SourceRange)
    /// `holds any of (...)` (all: false) or `holds all of (...)` (all: true).
    case holdsSome([NameRef], all: Bool, range: SourceRange)
    /// `holds from ORG`: a credential whose provider or platform is the organisation.
    case holdsFrom(NameRef, range: SourceRange)
    /// `FIELD is [not] empty`: a missing value or an empty list.
    case isEmpty(Field, negated: Bool, range: SourceRange)
    case requires(NameRef, range: SourceRange)
    /// `recognized by ORG`, or bare `recognized` (by anyone).
    case recognizedBy(NameRef?, range: SourceRange)
    case accredited(by: NameRef?, range: SourceRange)

    /// Where the condition was written (a parenthesised one: inside its parentheses).
    var range: SourceRange {
        switch self {
        case .and(let a, let b), .or(let a, let b): SourceRange(a.range.start, b.range.end)
        case .not(_, let r): r
        case .compare(let f, _, let l), .contains(let f, let l): SourceRange(f.range.start, l.range.end)
        case .arithmetic(let a, _, let b): SourceRange(a.range.start, b.range.end)
        case .member(_, _, _, let r), .teaches(_, _, _, let r), .needs(_, _, _, let r), .uses(_, let r), .holds(_, let r), .requires(_, let r),
            .holdsSome(_, _, let r), .holdsFrom(_, let r), .isEmpty(_, _, let r),
            .recognizedBy(_, let r), .accredited(_, let r):
            r
        }
    }
}
