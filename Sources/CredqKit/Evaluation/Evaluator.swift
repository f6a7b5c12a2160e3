/// Evaluates a pipeline against a graph: the source gives a table, each stage transforms it.
struct Evaluator {
    let graph: Graph
    let variables: [String: Table]
    let parameters: [String: String]
    /// Polled in long loops; true stops the query with `.interrupted`.
    let isInterrupted: @Sendable () -> Bool
    /// The day `verify` uses when the statement names none; nil is today.
    var verificationDay: Day? = nil
    /// How many states one planning question may take (`--max-states`, `.maxstates`).
    var stateBudget = Planner.Options().stateBudget
    /// Told how a long plan is going (the REPL's progress line); nil: nobody is watching.
    var progress: (@Sendable (Planner.Progress) -> Void)? = nil
    /// Which holdings count (`.trust`), and the session's record of their statuses; without
    /// a ledger every holding counts.
    var trust: Trust = .unrefuted
    var ledger: TrustLedger? = nil

    var resolver: Resolver { Resolver(graph: graph) }

    /// The pipeline's answer; a listing's rows may still be pending (see `Table.pending`).
    func evaluate(_ pipeline: Pipeline, optimized: Bool = true) throws(ScriptError) -> Table {
        let plan = QueryPlan.lower(pipeline, optimized: optimized)
        var table: Table
        switch plan.start {
        case .source(let source): table = try evaluate(source)
        case .boundedListing(let kind, let condition, let limit): table = try listing(kind, condition, atMost: try count(limit, "limit"))
        }
        for step in plan.steps {
            switch step {
            case .stage(let stage):
                table = try run(stage, on: table)
            case .boundedFilter(let stage, let limit):
                table = try run(stage, on: table, atMost: table.pending == nil ? .max : try count(limit, "limit"))
            case .topN(let sort, let limit):
                if table.pending != nil, case .sort(let keys, _) = sort, case .limit(let setting, _) = limit,
                   case let n = try count(setting, "limit"), n <= 10_000, try topRows(keys, n, in: &table) {
                    continue
                }
                table = try run(limit, on: try run(sort, on: table))
            case .group(let field, let aggregates):
                table = try group(table.materialized(), by: field, aggregates: aggregates)
            }
        }
        return table
    }

    /// One stage: on pending rows' indexes where it can be, else on built rows.
    private func run(_ stage: Stage, on table: Table, atMost: Int = .max) throws(ScriptError) -> Table {
        var table = table
        if table.pending != nil {
            if try applyPending(stage, to: &table, atMost: atMost) { return table }
            table = table.materialized()
        }
        return try apply(stage, to: table)
    }

    // MARK: - Sources

    private func evaluate(_ source: Source) throws(ScriptError) -> Table {
        switch source {
        case .listing(let kind, let condition, _):
            return try listing(kind, condition)
        case .count(let inner, _):
            let table = try evaluate(inner)
            return Table(columns: ["count"], rows: [Row([.number(Double(table.rowCount))])])
        case .skillsOf(let name, _):
            return try skillsOf(try resolve(name, [.credential, .role, .learner]))
        case .credentialsOf(let name, _):
            return credentialsOf(try resolve(name, [.learner]).index)
        case .holdings(let condition, _):
            return try holdings(condition)
        case .credentialsTeaching(let name, _):
            return credentialsTeaching(try resolve(name, [.skill]).index)
        case .holdersOf(let name, _):
            return holdersOf(try resolve(name, [.credential]).index)
        case .prerequisitesOf(let name, _):
            return prerequisitesOf(try resolve(name, [.credential]).index)
        case .relatedRoles(let name, _):
            return relatedRoles(try resolve(name, [.role]).index)
        case .partsOf(let name, _):
            return try partsOf(try resolve(name, [.credential]), range: name.range)
        case .stacks(let q):
            return try stacks(q)
        case .nearest(let q):
            return try nearest(q)
        case .gaps(let learner, let target, let range):
            return try gaps(learner: learner, target: target, range: range)
        case .verify(let who, let day, _):
            return try verify(who, on: try day.map { (d) throws(ScriptError) in try date(d, "as of") } ?? verificationDay ?? Day.today)
        case .compare(let names, _):
            return try compare(names)
        case .variable(let name, let isParameter, let range):
            if let table = variables[name] { return table }
            let known = Array(variables.keys) + (isParameter ? Array(parameters.keys) : [])
            if isParameter {
                throw ScriptError(.unknownParameter(name, suggestions: Suggest.closest(to: name, among: known, limit: 3)), range)
            }
            let words = Keywords.firstWords(Keywords.sources)
            throw ScriptError(.unknownSource(name, suggestions: Suggest.closest(to: name, among: words + known, limit: 3)), range)
        }
    }

    func resolve(_ name: NameRef, _ kinds: [EntityKind]) throws(ScriptError) -> EntityRef {
        let allowed = name.kind.map { [$0] } ?? kinds
        let text: String
        switch name.spelling {
        case .words(let w), .quoted(let w): text = w
        case .parameter(let p):
            guard let value = parameters[p] else {
                throw ScriptError(.unknownParameter(p, suggestions: Suggest.closest(to: p, among: parameters.keys, limit: 3)), name.range)
            }
            text = value
        }
        if let k = name.kind, !kinds.contains(k) {
            throw ScriptError(.wrongKind(name: text, found: k, expected: kinds), name.range)
        }
        return try resolver.resolve(text, kinds: allowed, range: name.range)
    }

    /// Every entity of a kind, or those meeting the condition, with their rows pending.
    /// `atMost` stops the search after that many matches (a `limit` right after it).
    private func listing(_ kind: EntityKind, _ condition: Condition?, atMost: Int = .max) throws(ScriptError) -> Table {
        let columns = Schema.defaultColumns(of: kind)
        let specs = columns.map { Schema.field($0, of: kind)! }
        var table = Table(columns: columns, rows: [], entityKind: kind)
        var indexes: [Int32]
        if let condition {
            let keep = try compile(condition, for: Table(columns: [], rows: [], entityKind: kind))
            if let flat = try flatMatches(condition, kind, atMost: atMost) {
                indexes = flat
            } else if let candidates = try self.candidates(condition, kind) {
                // Some indexes answer exactly, and need no second look at each entity.
                indexes = Self.indexIsExact(condition, kind) ? candidates.prefix(atMost).map { Int32($0) }
                    : try kept(candidates, kind, keep, atMost: atMost)
            } else {
                indexes = try kept(0..<graph.count(of: kind), kind, keep, atMost: atMost)
            }
        } else {
            indexes = (0..<Int32(graph.count(of: kind))).map { $0 }
        }
        table.pending = PendingRows(graph: graph, kind: kind, fields: specs, indexes: indexes)
        return table
    }

    /// A stage over pending rows, done on their indexes; false when it needs built rows.
    /// `atMost` stops a filter after that many matches (a `limit` right after it).
    private func applyPending(_ stage: Stage, to table: inout Table, atMost: Int = .max) throws(ScriptError) -> Bool {
        guard var pending = table.pending, let kind = table.entityKind else { return false }
        let probe = Table(columns: [], rows: [], entityKind: kind)
        switch stage {
        case .filter(let condition, _):
            guard let keep = try? compile(condition, for: probe) else { return false }  // the built path says what is wrong
            pending.indexes = try kept(pending.indexes.lazy.map { Int($0) }, kind, keep, atMost: atMost)
        case .sort(let keys, _):
            guard let getters = entityGetters(keys, kind) else { return false }
            // A credential's cost or weeks alone: sorted from its flat array, ties in their order.
            if keys.count == 1, let flat = flatNumbers(keys[0], kind) {
                let values = pending.indexes.map { flat[Int($0)] }
                let descending = keys[0].descending
                let order = values.indices.sorted { a, b in
                    values[a] != values[b] ? (descending ? values[a] > values[b] : values[a] < values[b]) : a < b
                }
                if isInterrupted() { throw ScriptError(.interrupted, nil) }
                pending.indexes = order.map { pending.indexes[$0] }
                break
            }
            let keyed = pending.indexes.map { i in
                let row = Row([], entity: EntityRef(kind: kind, index: Int(i)))
                return (i, getters.map { $0(row) })
            }
            if isInterrupted() { throw ScriptError(.interrupted, nil) }
            pending.indexes = Self.stablySorted(keyed, by: keys)
        case .limit(let n, _):
            pending.indexes = Array(pending.indexes.prefix(try count(n, "limit")))
        case .select(let items, _):
            // Fields alone are read as the listing's columns are, when a row is built: a
            // long answer is still built only as far as it is written.
            var fields: [FieldSpec] = []
            for item in items {
                guard case .field(let f) = item.expression else { return false }
                if let column = table.index(of: f.name), column < pending.fields.count {
                    fields.append(pending.fields[column])
                } else if let spec = Schema.field(f.name, of: kind) {
                    fields.append(spec)
                } else {
                    return false  // the built path says what is wrong
                }
            }
            pending.fields = fields
            table.columns = items.map(\.column)
            table.enumeratedColumns = table.enumeratedColumns.intersection(items.compactMap { $0.alias == nil ? $0.expression.text : nil })
            table.shape = .table
        case .count:
            table = Table(columns: ["count"], rows: [Row([.number(Double(pending.indexes.count))])])
            return true
        default:
            return false
        }
        table.pending = pending
        return true
    }

    /// A credential's cost or weeks as a sort key: its flat array, when it is built.
    private func flatNumbers(_ key: SortKey, _ kind: EntityKind) -> [Double]? {
        guard kind == .credential, let field = key.field else { return nil }
        let flat: [Double]
        switch field.name.lowercased() {
        case "cost": flat = graph.costByCredential
        case "weeks": flat = graph.weeksByCredential
        default: return nil
        }
        return flat.count == graph.credentials.count ? flat : nil
    }

    /// The first `n` pending rows in the order of `keys` (ties in their current order), or
    /// false when a key is not a field of the rows' entities.
    private func topRows(_ keys: [SortKey], _ n: Int, in table: inout Table) throws(ScriptError) -> Bool {
        guard var pending = table.pending, let kind = table.entityKind, let getters = entityGetters(keys, kind) else { return false }
        func before(_ a: [Value], _ b: [Value]) -> Bool { Self.order(a, b, by: keys) < 0 }
        var best: [(index: Int32, key: [Value])] = []  // sorted, at most n
        best.reserveCapacity(n + 1)
        // A credential's cost or weeks as the first key: read from its flat array.
        let flat = keys.first.flatMap { flatNumbers($0, kind) }
        for (position, i) in pending.indexes.enumerated() {
            if position & 4095 == 0, isInterrupted() { throw ScriptError(.interrupted, nil) }
            if n == 0 { break }
            let row = Row([], entity: EntityRef(kind: kind, index: Int(i)))
            if best.count == n {  // most rows lose on the first key alone: no key list made for them
                let first: Int
                if let flat, case .number(let worst) = best[n - 1].key[0] {
                    let v = flat[Int(i)]
                    first = keys[0].descending ? (v > worst ? -1 : v < worst ? 1 : 0) : (v < worst ? -1 : v > worst ? 1 : 0)
                } else {
                    first = Self.order(getters[0](row), best[n - 1].key[0], descending: keys[0].descending)
                }
                if first > 0 || (first == 0 && keys.count == 1) { continue }
            }
            let key = getters.map { $0(row) }
            if best.count == n, !before(key, best[n - 1].key) { continue }
            // After every equal key: rows read earlier stay first among equals.
            var lo = 0, hi = best.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if before(key, best[mid].key) { hi = mid } else { lo = mid + 1 }
            }
            best.insert((i, key), at: lo)
            if best.count > n { best.removeLast() }
        }
        pending.indexes = best.map(\.index)
        table.pending = pending
        return true
    }

    /// The entities among `indexes` that meet `keep` (the first `atMost` of them), polling
    /// for Ctrl-C as it goes.
    private func kept(_ indexes: some Sequence<Int>, _ kind: EntityKind, _ keep: Predicate, atMost: Int = .max) throws(ScriptError) -> [Int32] {
        var out: [Int32] = []
        guard atMost > 0 else { return out }
        for (n, i) in indexes.enumerated() {
            if n & 4095 == 0, isInterrupted() { throw ScriptError(.interrupted, nil) }
            if try keep(Row([], entity: EntityRef(kind: kind, index: i))) {
                out.append(Int32(i))
                if out.count == atMost { break }
            }
        }
        return out
    }

    /// How to read each sort key from an entity of `kind`; nil when one is not its field.
    private func entityGetters(_ keys: [SortKey], _ kind: EntityKind) -> [(Row) -> Value]? {
        let probe = Table(columns: [], rows: [], entityKind: kind)
        var getters: [(Row) -> Value] = []
        for key in keys {
            guard let field = key.field, let get = try? accessor(field, in: probe) else { return nil }
            getters.append(get)
        }
        return getters
    }

    func entity(_ kind: EntityKind, _ index: Int) -> Value { Schema.entity(graph, kind, index) }

    /// A skill at a level, as a cell.
    func skillLevel(_ skill: Int, _ level: Int) -> Value { Schema.skillLevel(graph, skill, level) }

    // MARK: - Settings

    /// A number the script wrote, or the value of the `$parameter` that stands for it.
    func number(_ setting: Setting<Double>, _ what: String) throws(ScriptError) -> Double {
        try value(setting, what, "a number ≥ 0") { Double($0).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } }
    }

    /// A whole number the script wrote, or the value of the `$parameter` that stands for it.
    func count(_ setting: Setting<Int>, _ what: String) throws(ScriptError) -> Int {
        try value(setting, what, "a whole number ≥ 0") { Int($0).flatMap { $0 >= 0 ? $0 : nil } }
    }

    /// A date the script wrote, or the value of the `$parameter` that stands for it.
    func date(_ setting: Setting<Day>, _ what: String) throws(ScriptError) -> Day {
        try value(setting, what, "a date YYYY-MM-DD") { Day($0) }
    }

    /// A setting's value: as written, or its parameter's text read by `parse` (nil: refused,
    /// a type error at the parameter saying what `what` takes).
    private func value<T>(_ setting: Setting<T>, _ what: String, _ takes: String, _ parse: (String) -> T?) throws(ScriptError) -> T {
        switch setting {
        case .value(let v): return v
        case .parameter(let name, let range):
            let text = try parameterText(name, range)
            guard let v = parse(text) else {
                throw ScriptError(.typeMismatch(.setting(what, takes: takes, parameter: name, text: text)), range)
            }
            return v
        }
    }

    private func parameterText(_ name: String, _ range: SourceRange) throws(ScriptError) -> String {
        guard let text = parameters[name] else {
            throw ScriptError(.unknownParameter(name, suggestions: Suggest.closest(to: name, among: parameters.keys, limit: 3)), range)
        }
        return text
    }

    // MARK: - Stages

    private func apply(_ stage: Stage, to table: Table) throws(ScriptError) -> Table {
        var table = table
        switch stage {
        case .filter(let condition, _):
            let keep = try compile(condition, for: table)
            var rows: [Row] = []
            for (i, row) in table.rows.enumerated() {
                if i & 4095 == 0, isInterrupted() { throw ScriptError(.interrupted, nil) }
                if try keep(row) { rows.append(row) }
            }
            table.rows = rows
            table.shape = .table
        case .select(let items, _):
            var computed: [Computed] = []
            for item in items { computed.append(try compile(item.expression, in: table)) }
            var rows: [Row] = []
            rows.reserveCapacity(table.rows.count)
            for row in table.rows {
                var cells: [Value] = []
                for c in computed { cells.append(try value(c, row)) }
                rows.append(Row(cells, entity: row.entity))
            }
            table.rows = rows
            table.columns = items.map(\.column)
            table.enumeratedColumns = table.enumeratedColumns.intersection(items.compactMap { $0.alias == nil ? $0.expression.text : nil })
            table.shape = .table
        case .sort(let keys, _):
            var computed: [Computed] = []
            for key in keys { computed.append(try compile(key.expression, in: table)) }
            var keyed: [(Row, [Value])] = []
            keyed.reserveCapacity(table.rows.count)
            for row in table.rows {
                var values: [Value] = []
                for c in computed { values.append(try value(c, row)) }
                keyed.append((row, values))
            }
            table.rows = Self.stablySorted(keyed, by: keys)
            table.shape = .table
        case .limit(let n, _):
            table.rows = Array(table.rows.prefix(try count(n, "limit")))
        case .count:
            return Table(columns: ["count"], rows: [Row([.number(Double(table.rows.count))])])
        case .aggregate(let aggregate, let field, _):
            return try aggregates([.of(aggregate, field)], over: table)
        case .aggregates(let items, _):
            return try aggregates(items, over: table)
        case .distinct:
            var seen = Set<[Value]>()
            table.rows = table.rows.filter { seen.insert($0.values).inserted }
            table.shape = .table
        case .group(let field, _):
            return try group(table, by: field, aggregates: [.count])
        }
        return table
    }

    /// One row of aggregates over every row: a column each.
    private func aggregates(_ items: [AggregateItem], over table: Table) throws(ScriptError) -> Table {
        let compute = try aggregators(items, in: table)
        return Table(columns: items.map(\.column), rows: [Row(try Self.aggregated(table.rows, compute))])
    }

    /// Each aggregate with how to read its field, resolved once.
    private typealias Aggregator = (item: AggregateItem, get: ((Row) -> Value)?)

    private func aggregators(_ items: [AggregateItem], in table: Table) throws(ScriptError) -> [Aggregator] {
        var out: [Aggregator] = []
        for item in items {
            switch item {
            case .count: out.append((item, nil))
            case .of(_, let f): out.append((item, try accessor(f, in: table)))
            }
        }
        return out
    }

    /// The aggregates' values over a group of rows, in order.
    private static func aggregated(_ rows: [Row], _ aggregators: [Aggregator]) throws(ScriptError) -> [Value] {
        var cells: [Value] = []
        for (item, get) in aggregators {
            switch item {
            case .count: cells.append(.number(Double(rows.count)))
            case .of(let a, let f): cells.append(try aggregate(a, rows.map(get!), field: f))
            }
        }
        return cells
    }

    /// `group by F` then its aggregates: one row per value of F, in the order values first
    /// appear. A list field puts a row in one group per item, and a row with an empty list in
    /// the group of the missing value.
    private func group(_ table: Table, by field: Field, aggregates items: [AggregateItem]) throws(ScriptError) -> Table {
        let key = try accessor(field, in: table)
        let compute = try aggregators(items, in: table)
        var order: [Value] = []
        var groups: [Value: [Row]] = [:]
        func add(_ k: Value, _ row: Row) {
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(row)
        }
        for row in table.rows {
            let k = key(row)
            if case .list(let items) = k {
                if items.isEmpty { add(.null, row) }
                // An item listed twice in one row counts the row once in its group.
                var seen = Set<Value>()
                for item in items where seen.insert(item).inserted { add(item, row) }
            } else {
                add(k, row)
            }
        }
        var rows: [Row] = []
        for k in order { rows.append(Row([k] + (try Self.aggregated(groups[k]!, compute)))) }
        return Table(columns: [field.name] + items.map(\.column), rows: rows)
    }

    private static func aggregate(_ a: Aggregate, _ values: [Value], field: Field) throws(ScriptError) -> Value {
        let present = values.filter { $0 != .null }
        switch a {
        case .min: return present.min { order($0, $1) < 0 } ?? .null
        case .max: return present.max { order($0, $1) < 0 } ?? .null
        case .sum, .avg:
            var total = 0.0
            for v in present {
                guard case .number(let n) = v else {
                    throw ScriptError(.typeMismatch(.aggregateNeedsNumbers(a.rawValue, field: field.name, holds: v.plainText.isEmpty ? "text" : "\"\(v.plainText)\"")), field.range)
                }
                total += n
            }
            if a == .sum { return .number(total) }
            return present.isEmpty ? .null : .number(total / Double(present.count))
        }
    }

    /// Items in the order of their sort keys; items with equal keys keep their order.
    static func stablySorted<T>(_ keyed: [(T, [Value])], by keys: [SortKey]) -> [T] {
        keyed.enumerated().sorted { a, b in
            let o = order(a.element.1, b.element.1, by: keys)
            return o != 0 ? o < 0 : a.offset < b.offset
        }.map(\.element.0)
    }

    /// Two rows' sort key values compared key by key, each ascending or descending.
    static func order(_ a: [Value], _ b: [Value], by keys: [SortKey]) -> Int {
        for (k, key) in keys.enumerated() {
            let o = order(a[k], b[k], descending: key.descending)
            if o != 0 { return o }
        }
        return 0
    }

    /// One sort key's order, ascending or descending; a missing value comes last either way.
    static func order(_ a: Value, _ b: Value, descending: Bool) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        default:
            let o = order(a, b)
            return descending ? -o : o
        }
    }

    /// A total order for sorting: nulls last, numbers by value, the rest by text without case.
    static func order(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        case (.number(let x), .number(let y)): return x < y ? -1 : x > y ? 1 : 0
        case (.date(let x), .date(let y)): return x < y ? -1 : x > y ? 1 : 0
        default:
            let x = a.plainText.lowercased(), y = b.plainText.lowercased()
            return x < y ? -1 : x > y ? 1 : 0
        }
    }

    // MARK: - Fields

    /// How to read a field from the rows of a table: a column first, then the rows' entity.
    func accessor(_ field: Field, in table: Table) throws(ScriptError) -> (Row) -> Value {
        if let column = table.index(of: field.name) { return { $0.values[column] } }
        if let kind = table.entityKind, let spec = Schema.field(field.name, of: kind) {
            let graph = self.graph
            return { row in row.entity.map { spec.get(graph, $0.index) } ?? .null }
        }
        let known = table.columns + (table.entityKind.map { Schema.fields(of: $0).map(\.name) } ?? [])
        let what = table.entityKind.map { $0.plural } ?? "this answer (columns: \(table.columns.joined(separator: ", ")))"
        throw ScriptError(.unknownField(field.name, of: what, suggestions: Suggest.closest(to: field.name, among: known, limit: 3)), field.range)
    }
}
