import Foundation

/// A statement's answer written out: rendered in the session's format, or streamed a batch
/// at a time for the formats made for pipes; to stdout or the `.output` file.
extension Session {
    func emit(_ table: Table, range: SourceRange?) throws(ScriptError) {
        if let pending = table.pending, [.ndjson, .tsv, .csv, .json].contains(format) {
            try stream(table, pending)
            return
        }
        var style = self.style
        if outputFile != nil { style.color = false }
        let text: String
        if format == .table, let limit = rowLimit, table.rowCount > limit {
            // A long answer on a terminal: its first and last rows, and how many there were.
            // Only those rows are built, so the first appear at once whatever the count.
            text = TableRenderer.render(table.firstAndLast(limit), style: style)
        } else {
            do {
                text = try Renderer.render(table.materialized(), as: format, style: style, graph: graph)
            } catch {
                throw ScriptError(error.problem, error.range ?? range)
            }
        }
        let separated = (format == .table || format == .markdown) && answersWritten > 0 ? "\n" + text : text
        answersWritten += 1
        if let outputFile {
            outputFile.write(Data(separated.utf8))
        } else {
            writeOut(separated)
        }
    }

    /// Writes a listing's rows a batch at a time, building each batch only when the one before
    /// is written: the first row of a million appears at once, memory stays flat, and a reader
    /// that stops early (`| head -1`) stops the work.
    func stream(_ table: Table, _ pending: PendingRows) throws(ScriptError) {
        func write(_ text: String) {
            if let outputFile { outputFile.write(Data(text.utf8)) } else { writeOut(text) }
        }
        answersWritten += 1
        let count = pending.indexes.count
        if format == .json, count == 0 { write("[]\n"); return }
        var start = 0
        repeat {
            if start > 0, isInterrupted() { throw ScriptError(.interrupted, nil) }
            let end = min(count, start + (start == 0 ? 64 : 4096))
            var batch = Table(columns: table.columns, rows: pending.rows(start..<end), entityKind: table.entityKind)
            batch.pending = nil
            var text: String
            switch format {
            case .json:
                text = (start == 0 ? "[\n" : ",\n") + batch.rows.map { "  " + Renderer.jsonObject(batch.columns, $0) }.joined(separator: ",\n")
                if end == count { text += "\n]\n" }
            default:
                text = try Renderer.render(batch, as: format)  // an error here is the statement's, never an empty answer
                if start > 0, format != .ndjson, let newline = text.utf8.firstIndex(of: UInt8(ascii: "\n")) {  // the header, once
                    text = String(text[text.utf8.index(after: newline)...])
                }
            }
            write(text)
            start = end
        } while start < count
    }
}
