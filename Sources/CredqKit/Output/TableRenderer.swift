/// The `table` format: aligned columns for people, numbers to the right, long cells cut
/// with an ellipsis or a count of the list items left out, so alignment never breaks.
enum TableRenderer {
    static let maxCellWidth = 44
    static let minCellWidth = 8

    static func render(_ table: Table, style: Renderer.Style) -> String {
        let bold = style.color ? "\u{1B}[1m" : "", dim = style.color ? "\u{1B}[2m" : "", reset = style.color ? "\u{1B}[0m" : ""
        let columns = table.columns.count
        let numeric = (0..<columns).map { c in
            !table.rows.isEmpty && table.rows.allSatisfy { $0.values[c].isNumeric || $0.values[c] == .null }
        }
        // With listsOnLines, a list cell is one item per line: a row spans as many lines as its
        // longest list.
        func lines(_ value: Value) -> [Value] {
            if table.listsOnLines, case .list(let items) = value { return items.isEmpty ? [.null] : items }
            return [value]
        }
        var widths = table.columns.map { min(maxCellWidth, max(1, $0.count)) }
        for row in table.rows {
            for (c, value) in row.values.enumerated() {
                for line in lines(value) { widths[c] = min(maxCellWidth, max(widths[c], line.plainText.count)) }
            }
        }
        if let total = style.width {
            // Shrink the widest column until the table fits the terminal.
            while widths.reduce(0, +) + 2 * (columns - 1) > total {
                guard let widest = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[widest] > minCellWidth else { break }
                widths[widest] -= 1
            }
        }
        func pad(_ text: String, _ c: Int) -> String {
            let space = String(repeating: " ", count: max(0, widths[c] - text.count))
            return numeric[c] ? space + text : text + space
        }
        func line(_ cells: [String]) -> String {
            var s = ""
            for (c, cell) in cells.enumerated() {
                s += c == 0 ? "" : "  "
                s += c == columns - 1 && !numeric[c] ? cell : pad(cell, c)
            }
            return String(s.trimmingSuffix { $0 == " " }) + "\n"
        }
        var out = ""
        let header = table.columns.enumerated().map { fit(.text($1), widths[$0]) }
        out += bold + line(header).dropLast() + reset + "\n"
        out += dim + widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") + reset + "\n"
        for (r, row) in table.rows.enumerated() {
            if let omitted = table.omitted, r == omitted.after {
                // Where rows were left out: a mark in each column.
                let marks = (0..<columns).map { c in pad("⋮", c) }
                out += dim + String(marks.joined(separator: "  ").trimmingSuffix { $0 == " " }) + reset + "\n"
            }
            let split = row.values.map(lines)
            let height = split.map(\.count).max() ?? 1
            for l in 0..<height {
                var cells = split.enumerated().map { c, items in l < items.count ? fit(items[l], widths[c]) : "" }
                for c in cells.indices where c != columns - 1 || numeric[c] { cells[c] = pad(cells[c], c) }
                out += String(cells.joined(separator: "  ").trimmingSuffix { $0 == " " }) + "\n"
            }
        }
        if let omitted = table.omitted {
            let total = table.rows.count + omitted.count
            out += dim + "(\(total) rows, \(table.rows.count) shown: .maxrows 0 or -f tsv for all)" + reset + "\n"
            return out
        }
        let n = table.rows.count
        out += dim + "(\(n) row\(n == 1 ? "" : "s"))" + reset + "\n"
        return out
    }

    /// The value's text in at most `width` characters: a list keeps the items that fit and says
    /// how many it left out; other text ends with an ellipsis.
    static func fit(_ value: Value, _ width: Int) -> String {
        let text = value.plainText
        if text.count <= width { return text }
        if case .list(let items) = value {
            var shown: [String] = []
            for (i, item) in items.enumerated() {
                let rest = items.count - i - 1
                let candidate = (shown + [item.plainText]).joined(separator: "; ") + (rest > 0 ? "; +\(rest) more" : "")
                if candidate.count > width { break }
                shown.append(item.plainText)
            }
            let left = items.count - shown.count
            if shown.isEmpty, let first = items.first {
                // Not even one item fits whole: cut the first one and count the rest.
                let more = left > 1 ? "; +\(left - 1) more" : ""
                let room = width - more.count - 1
                if room >= 4 { return String(first.plainText.prefix(room)) + "…" + more }
            }
            let joined = (shown + ["+\(left) more"]).joined(separator: "; ")
            if joined.count <= width { return joined }
        }
        return String(text.prefix(max(1, width - 1))) + "…"
    }
}
