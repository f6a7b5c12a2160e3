/// A value in an answer's cell.
public enum Value: Sendable, Equatable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case text(String)
    case date(Day)
    case entity(EntityValue)
    case list([Value])
    /// A skill at a level: "Python 3" for people, `Python:3` in csv and tsv, an object in JSON.
    case skillLevel(EntityValue, level: Int)
    /// Why a credential is in a stack: the needed skills it covers, and what else needs it
    /// ("prerequisite of ...", "part of ...", "the target").
    case reason(EntityValue, covers: [Value], notes: [String])

    /// How the value reads in plain text: an entity as its name, a list joined with `; `.
    public var plainText: String {
        switch self {
        case .null: ""
        case .bool(let b): b ? "yes" : "no"
        case .number(let n): Value.format(n)
        case .text(let s): s
        case .date(let d): d.description
        case .entity(let e): e.name
        case .list(let items): items.map(\.plainText).joined(separator: "; ")
        case .skillLevel(let skill, let level): "\(skill.name) \(level)"
        case .reason(_, let covers, let notes): (covers.map(\.plainText) + notes).joined(separator: ", ")
        }
    }

    /// How the value reads in csv and tsv: as `plainText`, but a skill at a level as
    /// `Name:level`, so that every cell splits unambiguously (items of a list on `; `, a list
    /// inside an item on `, `).
    public var delimitedText: String {
        switch self {
        case .list(let items): items.map(\.delimitedText).joined(separator: "; ")
        case .skillLevel(let skill, let level): "\(skill.name):\(level)"
        case .reason(_, let covers, let notes): (covers.map(\.delimitedText) + notes).joined(separator: ", ")
        default: plainText
        }
    }

    /// Numbers print as integers when whole, otherwise with at most two decimals.
    public static func format(_ n: Double) -> String {
        if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
        let hundredths = (n * 100).rounded() / 100
        var s = String(hundredths)
        if s.contains("e") { return String(n) }
        while s.contains("."), s.hasSuffix("0") { s.removeLast() }
        return s
    }

    var isNumeric: Bool { if case .number = self { true } else { false } }
}

/// An entity in a cell: its reference, id and name.
public struct EntityValue: Sendable, Equatable, Hashable {
    public var ref: EntityRef
    public var id: String
    public var name: String
}

/// An answer: named columns and rows. Each row may stand for an entity, so later stages can
/// filter, select or sort on fields that are not shown.
public struct Table: Sendable {
    public var columns: [String]
    public var rows: [Row]
    /// What drew the rows, for formats that draw graphs (`dot`).
    public var shape: Shape = .table
    /// The kind of entity every row stands for, when they all stand for one.
    public var entityKind: EntityKind?
    /// In the `table` format, show list cells one item per line (a stack's credentials).
    public var listsOnLines = false
    /// Rows not built yet: a listing keeps entity indexes until something needs cells, so
    /// filters, sorts, limits and counts over a million entities build no rows, and output
    /// builds them a batch at a time. `rows` is empty while this is set.
    var pending: PendingRows?
    /// Columns of text from a small set of values (a holding's `status`): a value compared
    /// with one must be one the rows have.
    var enumeratedColumns: Set<String> = []
    /// What one row is, for messages about those columns ("no holding has status ...").
    var rowNoun = "row"
    /// What the answer left out, said on stderr after it ("3 roles no stack reaches ...").
    var notes: [String] = []
    /// Rows a long answer on a terminal leaves out, between its first and last ones.
    var omitted: Omission?

    struct Omission: Sendable, Equatable {
        /// How many rows come before the gap.
        var after: Int
        var count: Int
    }

    public enum Shape: Sendable {
        case table
        /// Prerequisites: each row's entity requires the ones listed in `edges`.
        case prerequisites(target: EntityRef)
        /// A stack rule as a tree: each row has a depth and a label.
        case parts(target: EntityRef)
        /// Stacks toward a target, with the learner's holdings.
        case stacks(target: EntityRef, held: [Int])
    }

    public init(columns: [String], rows: [Row], shape: Shape = .table, entityKind: EntityKind? = nil) {
        self.columns = columns
        self.rows = rows
        self.shape = shape
        self.entityKind = entityKind
    }

    /// How many rows, built or not.
    public var rowCount: Int { pending?.indexes.count ?? rows.count }

    /// The first and last rows of a longer answer, `limit` in all, with the count of those
    /// left out between them.
    func firstAndLast(_ limit: Int) -> Table {
        let total = rowCount, head = (limit + 1) / 2, tail = limit / 2
        var shown = self
        shown.pending = nil
        if let pending {
            shown.rows = pending.rows(0..<head) + pending.rows((total - tail)..<total)
        } else {
            shown.rows = Array(rows[0..<head] + rows[(total - tail)..<total])
        }
        shown.omitted = Omission(after: head, count: total - head - tail)
        return shown
    }

    /// The table with every row built.
    public func materialized() -> Table {
        guard let pending else { return self }
        var table = self
        table.rows = pending.rows(pending.indexes.indices)
        table.pending = nil
        return table
    }

    public func index(of column: String) -> Int? {
        columns.firstIndex { $0.lowercased() == column.lowercased() }
    }
}

/// One row: its cells, and the entity it stands for when it does.
public struct Row: Sendable {
    public var values: [Value]
    public var entity: EntityRef?

    public init(_ values: [Value], entity: EntityRef? = nil) {
        self.values = values
        self.entity = entity
    }
}

/// Entity indexes of one kind whose cells are read from the graph when asked for.
struct PendingRows: Sendable {
    var graph: Graph
    var kind: EntityKind
    var fields: [FieldSpec]
    var indexes: [Int32]

    /// The rows at some positions of `indexes`.
    func rows(_ positions: Range<Int>) -> [Row] {
        positions.map { p in
            let i = Int(indexes[p])
            return Row(fields.map { $0.get(graph, i) }, entity: EntityRef(kind: kind, index: i))
        }
    }
}
