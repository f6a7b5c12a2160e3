/// Compiles `where` conditions into predicates over rows, resolving fields and names once.
extension Evaluator {
    typealias Predicate = (Row) throws(ScriptError) -> Bool

    func compile(_ condition: Condition, for table: Table) throws(ScriptError) -> Predicate {
        switch condition {
        case .and:
            // A chain of a thousand `and`s is one loop, not a thousand nested calls.
            var parts: [Predicate] = []
            for part in Self.chain(condition, and: true) { parts.append(try compile(part, for: table)) }
            return { row throws(ScriptError) in
                for part in parts where try !part(row) { return false }
                return true
            }
        case .or:
            var parts: [Predicate] = []
            for part in Self.chain(condition, and: false) { parts.append(try compile(part, for: table)) }
            return { row throws(ScriptError) in
                for part in parts where try part(row) { return true }
                return false
            }
        case .not(let a, _):
            let inner = try compile(a, for: table)
            return { row throws(ScriptError) in try !inner(row) }
        case .compare(let field, let op, let literal):
            let get = try accessor(field, in: table)
            let value = try resolve(literal)
            if let ref = try checked(value, literal, op, against: field, in: table) {
                return { row in Self.refers(get(row), to: ref) == (op == .equal) }
            }
            return { row throws(ScriptError) in try Self.compare(get(row), op, value, literal: literal, field: field) }
        case .arithmetic(let left, let op, let right):
            let a = try compile(left, in: table, numeric: true), b = try compile(right, in: table, numeric: true)
            return { row throws(ScriptError) in
                switch (try value(a, row), try value(b, row)) {
                case (.number(let x), .number(let y)): Self.compare(x, op, y)
                default: false  // a missing value compares with nothing
                }
            }
        case .contains(let field, let literal):
            let get = try accessor(field, in: table)
            let needle = try resolve(literal).plainText.lowercased()
            let kind = fieldKind(field, in: table)
            switch kind {
            case .number, .date, .bool:
                throw ScriptError(.typeMismatch(.containsOnNonText(field: field.name, is: kind.noun)), field.range)
            case .enumerated:
                // Text that no value of the field contains matches nothing: a mistake, said so.
                if let (noun, existing) = enumeratedValues(field, in: table), !existing.contains(where: { $0.lowercased().contains(needle) }) {
                    let typed = try resolve(literal).plainText
                    throw ScriptError(.unknownValue(field: field.name, of: noun, value: typed, existing: existing,
                                                    suggestions: Suggest.closest(to: typed, among: existing, limit: 1)), literal.range)
                }
                return { row in Self.contains(get(row), needle) }
            case .entities(let kinds):
                // As for names: text that no such entity's name or id contains is a mistake.
                var any = false
                for kind in kinds where !any {
                    for i in 0..<graph.count(of: kind) {
                        let ref = EntityRef(kind: kind, index: i)
                        if graph.name(of: ref).lowercased().contains(needle) || graph.id(of: ref).lowercased().contains(needle) { any = true; break }
                    }
                }
                if !any { _ = try resolver.resolve(try resolve(literal).plainText, kinds: kinds, range: literal.range) }
                return { row in Self.contains(get(row), needle) }
            default:
                return { row in Self.contains(get(row), needle) }
            }
        case .member(let field, let literals, let negated, _):
            let get = try accessor(field, in: table)
            var values: [(Value, Literal)] = []
            var refs: [EntityRef] = []
            for l in literals {
                let value = try resolve(l)
                if let ref = try checked(value, l, .equal, against: field, in: table) { refs.append(ref) } else { values.append((value, l)) }
            }
            return { row throws(ScriptError) in
                let v = get(row)
                for ref in refs where Self.refers(v, to: ref) { return !negated }
                for (candidate, literal) in values where try Self.compare(v, .equal, candidate, literal: literal, field: field) {
                    return !negated
                }
                return negated
            }
        case .teaches(let name, let op, let level, let range):
            let skill = try resolve(name, [.skill]).index
            let kind = try relationKind("teaches", table, [.credential, .learner], range)
            let graph = self.graph
            return { row in
                guard let e = row.entity else { return false }
                let taught: Int
                if kind == .credential {
                    taught = graph.credentials[e.index].teaches.first { $0.skill == skill }?.level ?? 0
                } else {
                    taught = graph.skillLevels(of: countedCredentials(of: e.index))[skill]?.level ?? 0
                }
                return taught > 0 && Self.compare(Double(taught), op, Double(level))
            }
        case .needs(let name, let op, let level, let range):
            let skill = try resolve(name, [.skill]).index
            _ = try relationKind("needs", table, [.role], range)
            let graph = self.graph
            return { row in
                guard let e = row.entity, let need = graph.roles[e.index].needs.first(where: { $0.skill == skill }) else { return false }
                return Self.compare(Double(need.level), op, Double(level))
            }
        case .uses(let name, let range):
            let skill = try resolve(name, [.skill]).index
            _ = try relationKind("uses", table, [.role], range)
            let graph = self.graph
            return { row in
                guard let e = row.entity else { return false }
                let role = graph.roles[e.index]
                return role.uses.contains(skill) || role.needs.contains { $0.skill == skill }
            }
        case .holds(let name, let range):
            let credential = try resolve(name, [.credential]).index
            _ = try relationKind("holds", table, [.learner], range)
            let graph = self.graph
            return { row in
                guard let e = row.entity else { return false }
                let holdings = graph.learners[e.index].holdings
                return holdings.indices.contains { holdings[$0].credential == credential && counts(learner: e.index, holding: $0) }
            }
        case .holdsSome(let names, let all, let range):
            var wanted = Set<Int>()
            for n in names { wanted.insert(try resolve(n, [.credential]).index) }
            _ = try relationKind(all ? "holds all of" : "holds any of", table, [.learner], range)
            return { row in
                guard let e = row.entity else { return false }
                let held = Set(countedCredentials(of: e.index)).intersection(wanted)
                return all ? held.count == wanted.count : !held.isEmpty
            }
        case .holdsFrom(let name, let range):
            let org = try resolve(name, [.organization]).index
            _ = try relationKind("holds from", table, [.learner], range)
            let graph = self.graph
            return { row in
                guard let e = row.entity else { return false }
                return countedCredentials(of: e.index).contains { graph.credentials[$0].provider == org || graph.credentials[$0].platform == org }
            }
        case .isEmpty(let field, let negated, _):
            let get = try accessor(field, in: table)
            return { row in
                let empty: Bool = switch get(row) {
                case .null: true
                case .list(let items): items.isEmpty
                case .text(let t): t.isEmpty
                default: false
                }
                return empty != negated
            }
        case .requires(let name, let range):
            let credential = try resolve(name, [.credential]).index
            _ = try relationKind("requires", table, [.credential], range)
            // Everything that requires it, directly or through prerequisites: found once, from
            // it upward, rather than each row's prerequisites walked.
            var requiring = Set<Int>()
            var queue = [credential]
            while let c = queue.popLast() {
                for d in graph.requiredBy[c] where requiring.insert(d).inserted { queue.append(d) }
            }
            return { row in row.entity.map { requiring.contains($0.index) } ?? false }
        case .recognizedBy(let by, let range):
            let org = try by.map { n throws(ScriptError) in try resolve(n, [.organization]).index }
            _ = try relationKind(by == nil ? "recognized" : "recognized by", table, [.credential], range)
            let graph = self.graph
            return { row in
                guard let e = row.entity else { return false }
                let recognizers = graph.credentials[e.index].recognizedBy
                return org.map(recognizers.contains) ?? !recognizers.isEmpty
            }
        case .accredited(let by, let range):
            let org = try by.map { n throws(ScriptError) in try resolve(n, [.organization]).index }
            _ = try relationKind("accredited", table, [.credential], range)
            let graph = self.graph
            return { row in
                guard let e = row.entity else { return false }
                let accreditors = graph.credentials[e.index].accreditedBy
                return org.map(accreditors.contains) ?? !accreditors.isEmpty
            }
        }
    }

    // MARK: - Checking values

    /// What a field holds, so that a value compared with it is checked before any row is read.
    enum FieldKind: Equatable {
        case number, date, bool, text
        /// Text from a small set of values (a credential's kind, a skill's category...).
        case enumerated
        /// Entities of these kinds (or lists of them).
        case entities([EntityKind])
        /// Not known (an empty answer's column): values are compared as they come.
        case unknown

        var noun: String {
            switch self {
            case .number: "a number"
            case .date: "a date"
            case .bool: "yes or no"
            default: "text"
            }
        }
    }

    /// The enumerated fields, by the kind of entity that has them.
    static let enumeratedFields: [EntityKind: Set<String>] = [.credential: ["kind", "currency"], .organization: ["kind"], .skill: ["category"]]

    func fieldKind(_ field: Field, in table: Table) -> FieldKind {
        if table.enumeratedColumns.contains(field.name), table.index(of: field.name) != nil { return .enumerated }
        if let column = table.index(of: field.name) {
            // A built answer's column: what its first value is.
            for row in table.rows {
                var value = row.values[column]
                if case .list(let items) = value {
                    guard let first = items.first else { continue }
                    value = first
                }
                switch value {
                case .null: continue
                case .number: return .number
                case .date: return .date
                case .bool: return .bool
                case .text: return .text
                case .entity(let e): return .entities([e.ref.kind])
                case .list, .skillLevel, .reason: return .unknown
                }
            }
            return .unknown
        }
        guard let kind = table.entityKind, let spec = Schema.field(field.name, of: kind) else { return .unknown }
        if Self.enumeratedFields[kind]?.contains(spec.name) == true { return .enumerated }
        switch spec.type {
        case "number": return .number
        case "text", "list of text": return .text
        case "yes/no": return .bool
        case "date": return .date
        case "organization", "list of organizations": return .entities([.organization])
        case "credential", "list of credentials": return .entities([.credential])
        case "role": return .entities([.role])
        case "skill": return .entities([.skill])
        case "learner": return .entities([.learner])
        case "role or credential": return .entities([.role, .credential])
        default: return .unknown
        }
    }

    /// Checks a value against the field it is compared with, located at the value: an entity
    /// field's value must name an entity (returned, for `=` and `!=`), an enumerated field's
    /// must be one some entity has, a number field's a number, a text field's text.
    private func checked(_ value: Value, _ literal: Literal, _ op: CompareOp, against field: Field, in table: Table) throws(ScriptError) -> EntityRef? {
        let kind = fieldKind(field, in: table)
        func mismatch() -> ScriptError {
            if kind == .date { return ScriptError(.typeMismatch(.dateField(field.name, found: Self.describe(value))), literal.range) }
            var hint: String?
            if kind == .text || kind == .enumerated, case .number = value { hint = value.plainText }
            return ScriptError(.typeMismatch(.field(field.name, is: kind.noun, found: Self.describe(value), quoteHint: hint)), literal.range)
        }
        switch kind {
        case .entities(let kinds):
            guard op == .equal || op == .notEqual else { return nil }
            return try resolver.resolve(value.plainText, kinds: kinds, range: literal.range)
        case .enumerated:
            if case .number = value { throw mismatch() }
            guard op == .equal || op == .notEqual, let (noun, existing) = enumeratedValues(field, in: table) else { return nil }
            let typed = value.plainText.lowercased()
            if !existing.contains(where: { $0.lowercased() == typed }) {
                throw ScriptError(.unknownValue(field: field.name, of: noun, value: value.plainText, existing: existing,
                                                suggestions: Suggest.closest(to: value.plainText, among: existing, limit: 1)), literal.range)
            }
            return nil
        case .number:
            guard case .number = value else { throw mismatch() }
        case .text:
            if case .number = value { throw mismatch() }
            if case .date = value { throw mismatch() }
        case .date:
            switch value {
            case .date: break
            case .text(let t) where Day(t) != nil: break
            default: throw mismatch()
            }
        case .bool:
            guard ["yes", "no", "true", "false"].contains(value.plainText.lowercased()) else {
                throw ScriptError(.typeMismatch(.yesNoField(field.name, found: Self.describe(value))), literal.range)
            }
        case .unknown:
            break
        }
        return nil
    }

    /// What the rows are and the values an enumerated field has among them (a column of the
    /// answer) or in the graph (a field of its entities), sorted.
    func enumeratedValues(_ field: Field, in table: Table) -> (noun: String, values: [String])? {
        if table.enumeratedColumns.contains(field.name), let column = table.index(of: field.name) {
            let values = Set(table.rows.compactMap { row -> String? in row.values[column] == .null ? nil : row.values[column].plainText })
            return (table.rowNoun, values.sorted())
        }
        return table.entityKind.map { ($0.rawValue, enumeratedValues(field.name, of: $0)) }
    }

    /// The values an enumerated field has in the graph, sorted.
    func enumeratedValues(_ field: String, of kind: EntityKind) -> [String] {
        var values = Set<String>()
        switch (kind, field) {
        case (.credential, "kind"):
            for k in CredentialKind.allCases where !graph.credentials(of: k).isEmpty { values.insert(k.rawValue) }
        case (.credential, "currency"):
            for c in graph.credentials { values.insert(c.currency) }
        case (.organization, "kind"):
            for o in graph.organizations { values.insert(o.kind.rawValue) }
        case (.skill, "category"):
            for s in graph.skills { if let c = s.category { values.insert(c) } }
        default:
            break
        }
        return values.sorted()
    }

    /// Whether a value is, or lists, the entity.
    static func refers(_ value: Value, to ref: EntityRef) -> Bool {
        switch value {
        case .entity(let e): e.ref == ref
        case .list(let items): items.contains { refers($0, to: ref) }
        default: false
        }
    }

    /// The operands of a chain of `and`s (or of `or`s), left to right, found without recursion.
    static func chain(_ condition: Condition, and: Bool) -> [Condition] {
        var parts: [Condition] = []
        var rest = condition
        while true {
            switch rest {
            case .and(let a, let b) where and, .or(let a, let b) where !and:
                parts.append(b)
                rest = a
                continue
            default:
                parts.append(rest)
            }
            break
        }
        return parts.reversed()
    }

    /// The kind of entity the rows stand for, checked against what a relation applies to.
    private func relationKind(_ relation: String, _ table: Table, _ kinds: [EntityKind], _ range: SourceRange) throws(ScriptError) -> EntityKind {
        guard let kind = table.entityKind, kinds.contains(kind) else {
            throw ScriptError(.relationNotApplicable(
                relation: relation, to: table.entityKind?.plural ?? "this answer",
                appliesTo: Problem.kindWords(kinds, plural: true)), range)
        }
        return kind
    }

    /// A literal's value, with parameters replaced: a number or date when they read as one.
    func resolve(_ literal: Literal) throws(ScriptError) -> Value {
        switch literal.form {
        case .number(let n): return .number(n)
        case .text(let s): return .text(s)
        case .date(let d): return .date(d)
        case .parameter(let p):
            guard let text = parameters[p] else {
                throw ScriptError(.unknownParameter(p, suggestions: Suggest.closest(to: p, among: parameters.keys, limit: 3)), literal.range)
            }
            if let n = Double(text), n.isFinite { return .number(n) }
            if let d = Day(text) { return .date(d) }
            return .text(text)
        }
    }

    static func compare(_ a: Double, _ op: CompareOp, _ b: Double) -> Bool {
        switch op {
        case .equal: a == b
        case .notEqual: a != b
        case .less: a < b
        case .lessEqual: a <= b
        case .greater: a > b
        case .greaterEqual: a >= b
        }
    }

    /// `value op literal`: numbers as numbers, dates as dates, an entity by its id or name,
    /// text without case; a list when any item matches (`!=`: when none is equal).
    static func compare(_ value: Value, _ op: CompareOp, _ literal: Value, literal source: Literal, field: Field) throws(ScriptError) -> Bool {
        switch value {
        case .null:
            return op == .notEqual
        case .list(let items):
            if op == .notEqual {
                for item in items where try compare(item, .equal, literal, literal: source, field: field) { return false }
                return true
            }
            for item in items where try compare(item, op, literal, literal: source, field: field) { return true }
            return false
        case .number(let n):
            guard case .number(let m) = literal else {
                throw ScriptError(.typeMismatch(.field(field.name, is: "a number", found: describe(literal), quoteHint: nil)), source.range)
            }
            return compare(n, op, m)
        case .date(let d):
            let other: Day
            switch literal {
            case .date(let e): other = e
            case .text(let s) where Day(s) != nil: other = Day(s)!
            default:
                throw ScriptError(.typeMismatch(.dateField(field.name, found: describe(literal))), source.range)
            }
            return compareOrder(d < other ? -1 : d > other ? 1 : 0, op)
        case .entity(let e):
            let t = literal.plainText.lowercased()
            if op == .equal || op == .notEqual {
                let same = e.id.lowercased() == t || e.name.lowercased() == t
                return op == .equal ? same : !same
            }
            return compareText(e.name.lowercased(), op, t)
        case .bool(let b):
            let t = literal.plainText.lowercased()
            let wanted: Bool
            switch t {
            case "yes", "true": wanted = true
            case "no", "false": wanted = false
            default:
                throw ScriptError(.typeMismatch(.yesNoField(field.name, found: describe(literal))), source.range)
            }
            return op == .equal ? b == wanted : op == .notEqual ? b != wanted : false
        case .text(let s):
            return compareText(s.lowercased(), op, literal.plainText.lowercased())
        case .skillLevel, .reason:
            // Compared as they read: "Python 3".
            return compareText(value.plainText.lowercased(), op, literal.plainText.lowercased())
        }
    }

    static func describe(_ v: Value) -> String {
        switch v {
        case .number(let n): Value.format(n)
        default: "\"\(v.plainText)\""
        }
    }

    private static func compareText(_ a: String, _ op: CompareOp, _ b: String) -> Bool {
        compareOrder(a < b ? -1 : a > b ? 1 : 0, op)
    }

    private static func compareOrder(_ order: Int, _ op: CompareOp) -> Bool {
        switch op {
        case .equal: order == 0
        case .notEqual: order != 0
        case .less: order < 0
        case .lessEqual: order <= 0
        case .greater: order > 0
        case .greaterEqual: order >= 0
        }
    }

    /// `~`: the text (an entity's name or id, any item of a list) contains the needle, without case.
    static func contains(_ value: Value, _ needle: String) -> Bool {
        switch value {
        case .null: false
        case .list(let items): items.contains { contains($0, needle) }
        case .entity(let e): e.name.lowercased().contains(needle) || e.id.lowercased().contains(needle)
        default: value.plainText.lowercased().contains(needle)
        }
    }
}
