/// How answers are written.
public enum OutputFormat: String, Sendable, CaseIterable {
    case table, json, ndjson, csv, tsv, markdown, dot
}

/// Turns tables into text in each output format.
public enum Renderer {
    /// Options for the `table` format.
    public struct Style: Sendable {
        public var color = false
        /// The terminal's width, when known: wide tables shrink their widest columns to fit.
        public var width: Int?
        public init(color: Bool = false, width: Int? = nil) {
            self.color = color
            self.width = width
        }
    }

    /// Renders a table; `graph` lets `dot` draw the edges between credentials of a stack.
    public static func render(_ table: Table, as format: OutputFormat, style: Style = Style(), graph: Graph? = nil) throws(ScriptError) -> String {
        switch format {
        case .table: return TableRenderer.render(table, style: style)
        case .json: return json(table)
        case .ndjson: return table.rows.map { jsonObject(table.columns, $0) + "\n" }.joined()
        case .csv: return csv(table)
        case .tsv: return tsv(table)
        case .markdown: return markdown(table)
        case .dot: return try DotRenderer.render(table, graph: graph)
        }
    }

    // MARK: - JSON

    static func json(_ table: Table) -> String {
        if table.rows.isEmpty { return "[]\n" }
        return "[\n" + table.rows.map { "  " + jsonObject(table.columns, $0) }.joined(separator: ",\n") + "\n]\n"
    }

    static func jsonObject(_ columns: [String], _ row: Row) -> String {
        var out = "{"
        for (i, column) in columns.enumerated() {
            if i > 0 { out += "," }
            JSONValue.writeString(column, to: &out)
            out += ":"
            out += jsonValue(row.values[i]).serialized()
        }
        return out + "}"
    }

    static func jsonValue(_ value: Value) -> JSONValue {
        switch value {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let n): .number(n)
        case .text(let s): .string(s)
        case .date(let d): .string(d.description)
        case .entity(let e): .object(JSONObject(members: [("id", .string(e.id)), ("name", .string(e.name))]))
        case .list(let items): .array(items.map(jsonValue))
        case .skillLevel(let skill, let level):
            .object(JSONObject(members: [("skill", jsonValue(.entity(skill))), ("level", .number(Double(level)))]))
        case .reason(let credential, let covers, let notes):
            .object(JSONObject(members: [("credential", jsonValue(.entity(credential))), ("covers", .array(covers.map(jsonValue))),
                                         ("notes", .array(notes.map { .string($0) }))]))
        }
    }

    // MARK: - Delimited text

    static func csv(_ table: Table) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingAll("\"", with: "\"\"") + "\"" : s
        }
        var out = table.columns.map(field).joined(separator: ",") + "\r\n"
        for row in table.rows { out += row.values.map { field($0.delimitedText) }.joined(separator: ",") + "\r\n" }
        return out
    }

    static func tsv(_ table: Table) -> String {
        func field(_ s: String) -> String {
            String(s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
        }
        var out = table.columns.map(field).joined(separator: "\t") + "\n"
        for row in table.rows { out += row.values.map { field($0.delimitedText) }.joined(separator: "\t") + "\n" }
        return out
    }

    static func markdown(_ table: Table) -> String {
        func cell(_ s: String) -> String {
            s.replacingAll("\\", with: "\\\\").replacingAll("|", with: "\\|").replacingAll("\n", with: " ")
        }
        let numeric = table.columns.indices.map { c in
            !table.rows.isEmpty && table.rows.allSatisfy { $0.values[c].isNumeric || $0.values[c] == .null }
        }
        var out = "| " + table.columns.map(cell).joined(separator: " | ") + " |\n"
        out += "|" + numeric.map { $0 ? " ---: |" : " --- |" }.joined() + "\n"
        for row in table.rows { out += "| " + row.values.map { cell($0.plainText) }.joined(separator: " | ") + " |\n" }
        return out
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Index>? {
        guard let first = target.first else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i] == first, self[i...].hasPrefix(target) {
                return i..<index(i, offsetBy: target.count)
            }
            i = index(after: i)
        }
        return nil
    }
}
