/// The language's words, listed once: the parser, the evaluator's suggestions, the REPL's
/// completion and `.help` read them from here.
public enum Keywords {
    /// The program's version, as `--version` and the REPL's banner say it.
    public static let version = "0.1.0"

    /// What a statement starts with: listings, walks, plans and the rest, as typed (a walk's
    /// words together).
    public static let sources = ["credentials", "skills", "roles", "learners", "organizations", "holdings", "count",
                                 "credentials of", "holders of",
                                 "prerequisites of", "parts of", "roles related to", "stacks toward", "nearest roles for", "nearest learners toward", "gaps for", "compare",
                                 "verify", "let", "assume", "forget assumptions"]

    /// The stages after `|`.
    public static let stages = ["where", "select", "sort by", "limit", "count", "group by", "sum", "avg", "min", "max", "distinct"]

    /// The relations a condition may use, as typed.
    public static let relations = ["teaches", "needs", "uses", "holds", "holds any of", "holds all of", "holds from", "requires",
                                   "recognized by", "recognized", "accredited"]

    /// The other words of conditions and plans.
    public static let others = ["and", "or", "not", "in", "is empty", "is not empty", "asc", "desc", "as", "for", "toward", "by",
                                "using", "limit", "max"]

    /// The REPL's and scripts' meta-commands, without their dot.
    public static let metaCommands = ["help", "format", "load", "save", "schema", "stats", "timer", "trust", "maxstates", "maxrows", "output",
                                      "read", "params", "assumptions", "quit"]

    /// The first word of each, for suggestions and the parser's choice of rule.
    static func firstWords(_ phrases: [String]) -> [String] {
        var seen = Set<String>()
        return phrases.compactMap { $0.split(separator: " ").first.map(String.init) }.filter { seen.insert($0).inserted }
    }
}
