/// Arithmetic in `select`, `where` and `sort by`: `+ - * /` on numbers. A missing operand or a
/// division by zero gives a missing value; text, a date or an entity in arithmetic is a type
/// error at the field, found before any row is read where the field's kind is known.
extension Evaluator {
    /// An expression with its fields resolved.
    indirect enum Computed {
        case read((Row) -> Value, Field, checkEachRow: Bool)
        case constant(Value)
        case binary(ArithmeticOp, Computed, Computed)
    }

    /// `numeric`: the value must be a number even when it is a field alone (a side of an
    /// arithmetic comparison).
    func compile(_ expression: Expression, in table: Table, numeric: Bool = false) throws(ScriptError) -> Computed {
        try compile(expression, in: table, inArithmetic: numeric)
    }

    private func compile(_ expression: Expression, in table: Table, inArithmetic: Bool) throws(ScriptError) -> Computed {
        switch expression {
        case .field(let f):
            let get = try accessor(f, in: table)
            guard inArithmetic else { return .read(get, f, checkEachRow: false) }
            let kind = fieldKind(f, in: table)
            switch kind {
            case .number: return .read(get, f, checkEachRow: false)
            case .unknown: return .read(get, f, checkEachRow: true)
            case .entities(let kinds):
                let noun = Problem.kindWords(kinds)
                let article = noun.first.map { "aeiou".contains($0) } == true ? "an" : "a"
                throw ScriptError(.typeMismatch(.arithmeticOnNonNumber(field: f.name, is: "\(article) \(noun)")), f.range)
            default: throw ScriptError(.typeMismatch(.arithmeticOnNonNumber(field: f.name, is: kind.noun)), f.range)
            }
        case .number(let n, _):
            return .constant(.number(n))
        case .parameter(let p, let range):
            let value = try resolve(Literal(form: .parameter(p), range: range))
            if inArithmetic, case .number = value {} else if inArithmetic {
                throw ScriptError(.typeMismatch(.arithmeticOnNonNumber(field: "$" + p, is: "\"\(value.plainText)\"")), range)
            }
            return .constant(value)
        case .binary(let op, let a, let b):
            return .binary(op, try compile(a, in: table, inArithmetic: true), try compile(b, in: table, inArithmetic: true))
        case .parenthesized(let inner, _):
            return try compile(inner, in: table, inArithmetic: inArithmetic)
        }
    }

    /// The expression's value on one row.
    func value(_ computed: Computed, _ row: Row) throws(ScriptError) -> Value {
        switch computed {
        case .read(let get, let field, let check):
            let v = get(row)
            if check {
                switch v {
                case .number, .null: break
                case .date: throw ScriptError(.typeMismatch(.arithmeticOnNonNumber(field: field.name, is: "a date")), field.range)
                default: throw ScriptError(.typeMismatch(.arithmeticOnNonNumber(field: field.name, is: "text")), field.range)
                }
            }
            return v
        case .constant(let v):
            return v
        case .binary(let op, let a, let b):
            guard case .number(let x) = try value(a, row), case .number(let y) = try value(b, row) else { return .null }
            let result: Double = switch op {
            case .add: x + y
            case .subtract: x - y
            case .multiply: x * y
            case .divide: y == 0 ? .nan : x / y
            }
            return result.isFinite ? .number(result) : .null
        }
    }
}
