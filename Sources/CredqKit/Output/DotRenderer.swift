/// The `dot` format: Graphviz digraphs for answers that are graphs.
enum DotRenderer {
    static func render(_ table: Table, graph: Graph?) throws(ScriptError) -> String {
        switch table.shape {
        case .table: throw ScriptError(.notAGraph, nil)
        case .prerequisites: return prerequisites(table)
        case .parts: return parts(table)
        case .stacks(let target, let held):
            guard let graph else { throw ScriptError(.notAGraph, nil) }
            return stacks(table, target: target, held: held, graph: graph)
        }
    }

    /// Each stack as a cluster of what is to earn, in study order, with prerequisite and part
    /// edges; the learner's holdings in a cluster of their own; the target at the end.
    private static func stacks(_ table: Table, target: EntityRef, held: [Int], graph: Graph) -> String {
        func label(_ c: Int) -> String {
            let cred = graph.credentials[c]
            return quote("\(cred.name)\n\(Value.format(cred.cost)) \(cred.currency) · \(Value.format(cred.weeks)) weeks").replacingAll("\\n", with: "\n")
        }
        var out = header("stacks toward \(graph.name(of: target))")
        out += "  target [label=\(quote(graph.name(of: target))), shape=doubleoctagon, fillcolor=\"#ffe8b3\", penwidth=2];\n"
        let heldSet = Set(held)
        if !held.isEmpty {
            out += "  subgraph cluster_held {\n    label=\"already held\";\n    style=\"rounded,dashed\";\n    color=\"#8aa05a\";\n"
            for c in held { out += "    \"held-\(graph.credentials[c].id)\" [label=\(label(c)), fillcolor=\"#e3f1d4\"];\n" }
            out += "  }\n"
        }
        for (i, row) in table.rows.enumerated() {
            let rank = i + 1
            guard case .list(let items) = row.values[4] else { continue }
            let members = items.compactMap { v -> Int? in if case .entity(let e) = v { e.ref.index } else { nil } }
            let inStack = Set(members)
            func node(_ c: Int) -> String { quote("s\(rank)-\(graph.credentials[c].id)") }
            out += "  subgraph cluster_\(rank) {\n"
            let currency = members.first.map { graph.credentials[$0].currency } ?? ""
            out += "    label=\(quote("stack \(rank): \(row.values[1].plainText) \(currency) · \(row.values[2].plainText) weeks · \(row.values[3].plainText) credentials"));\n"
            out += "    style=rounded;\n    color=\"#6b7a90\";\n"
            for c in members { out += "    \(node(c)) [label=\(label(c))];\n" }
            out += "  }\n"
            // What nothing else in the stack needs leads to the target.
            let needed = Set(members.flatMap { graph.credentials[$0].requires + (graph.credentials[$0].stack?.credentials ?? []) })
            for c in members {
                for r in graph.credentials[c].requires {
                    if inStack.contains(r) { out += "  \(node(r)) -> \(node(c));\n" }
                    else if heldSet.contains(r) { out += "  \"held-\(graph.credentials[r].id)\" -> \(node(c)) [style=dashed];\n" }
                }
                for p in graph.credentials[c].stack?.credentials ?? [] {
                    if inStack.contains(p) { out += "  \(node(p)) -> \(node(c)) [arrowhead=diamond];\n" }
                    else if heldSet.contains(p) { out += "  \"held-\(graph.credentials[p].id)\" -> \(node(c)) [style=dashed, arrowhead=diamond];\n" }
                }
                if !needed.contains(c) { out += "  \(node(c)) -> target [style=bold];\n" }
            }
        }
        return out + "}\n"
    }

    private static func quote(_ s: String) -> String {
        "\"" + s.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
    }

    private static func header(_ title: String) -> String {
        "digraph credq {\n  label=\(quote(title));\n  labelloc=t;\n  rankdir=LR;\n"
            + "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", fontname=\"Helvetica\"];\n"
            + "  edge [color=\"#6b7a90\"];\n"
    }

    private static func cell(_ row: Row, _ table: Table, _ column: String) -> Value {
        table.index(of: column).map { row.values[$0] } ?? .null
    }

    /// Each prerequisite points at what requires it, so the picture reads in study order.
    private static func prerequisites(_ table: Table) -> String {
        var out = header("prerequisites, in study order")
        var targets: [String: String] = [:]
        let listed = Set(table.rows.map { cell($0, table, "id").plainText })
        for row in table.rows {
            let id = cell(row, table, "id").plainText
            let label = "\(cell(row, table, "name").plainText)\\n\(cell(row, table, "cost").plainText) · \(cell(row, table, "weeks").plainText) weeks"
            out += "  \(quote(id)) [label=\(quote(label).replacingAll("\\\\n", with: "\\n"))];\n"
            if case .list(let dependents) = cell(row, table, "required_by") {
                for case .entity(let d) in dependents {
                    out += "  \(quote(id)) -> \(quote(d.id));\n"
                    if !listed.contains(d.id) { targets[d.id] = d.name }
                }
            }
        }
        for (id, name) in targets.sorted(by: { $0.key < $1.key }) {
            out += "  \(quote(id)) [label=\(quote(name)), fillcolor=\"#ffe8b3\", penwidth=2];\n"
        }
        return out + "}\n"
    }

    /// The stack rule as a tree: rule nodes as ellipses, credentials as boxes.
    private static func parts(_ table: Table) -> String {
        var out = header("stack rule")
        var stack: [String] = []  // node ids by depth
        for (i, row) in table.rows.enumerated() {
            let depth = Int(cell(row, table, "depth").plainText) ?? 0
            let node = "n\(i)"
            var label = cell(row, table, "part").plainText
            label = String(label.drop { "│├└─ ".contains($0) })
            let id = cell(row, table, "id")
            if depth == 0 {
                out += "  \(node) [label=\(quote(label)), fillcolor=\"#ffe8b3\", penwidth=2];\n"
            } else if id == .null {
                out += "  \(node) [label=\(quote(label)), shape=ellipse, fillcolor=\"#ffffff\"];\n"
            } else {
                let detail = "\(label)\\n\(cell(row, table, "cost").plainText) · \(cell(row, table, "weeks").plainText) weeks"
                out += "  \(node) [label=\(quote(detail).replacingAll("\\\\n", with: "\\n"))];\n"
            }
            stack = Array(stack.prefix(depth))
            if let parent = stack.last { out += "  \(parent) -> \(node);\n" }
            stack.append(node)
        }
        return out + "}\n"
    }
}
