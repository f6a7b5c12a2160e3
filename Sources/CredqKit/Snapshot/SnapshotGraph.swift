import Foundation

extension Graph {
    /// The graph a snapshot holds, its entities read from the file as they are asked for.
    init(snapshot: SnapshotFile) {
        self.init()
        func reader<E>(_ kind: EntityKind, _ make: @escaping @Sendable (Int) throws(SnapshotDamage) -> E) -> EntityTable<E> {
            EntityTable(reader: EntityTable<E>.Reader(count: snapshot.count(kind)) { i in
                do throws(SnapshotDamage) { return try make(i) } catch { snapshot.damaged(error) }
            })
        }
        organizations = reader(.organization, snapshot.organization)
        skills = reader(.skill, snapshot.skill)
        credentials = reader(.credential, snapshot.credential)
        roles = reader(.role, snapshot.role)
        learners = reader(.learner, snapshot.learner)
        sources = [snapshot.path]
        var ids: [EntityKind: IDLookup] = [:]
        for kind in EntityKind.allCases {
            ids[kind] = IDLookup { snapshot.index(of: $0, kind: kind) }
        }
        buildIndexes(ids: ids, costs: snapshot.doubles(.costs), weeks: snapshot.doubles(.weeks))
        self.snapshot = snapshot
    }
}

extension SnapshotFile {
    /// Opens a snapshot file as a graph, or says why it cannot be.
    static func open(path: String) throws(GraphLoadError) -> Graph {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw GraphLoadError(diagnostics: [GraphDiagnostic(severity: .error, file: path, path: "",
                                                               message: SourceFiles.describe(ioError: error))], isIOError: true)
        }
        do {
            return Graph(snapshot: try SnapshotFile(path: path, file: file))
        } catch {
            throw refusal(path, error)
        }
    }

    /// A snapshot refused as a whole: an invalid graph file, with the reason.
    private static func refusal(_ path: String, _ damage: SnapshotDamage) -> GraphLoadError {
        GraphLoadError(diagnostics: [GraphDiagnostic(severity: .error, file: path, path: "", message: "not a usable snapshot: \(damage.reason)")],
                       isIOError: false)
    }

    /// Checks every section and record of a graph's snapshot now, as an error to report.
    static func checkAll(_ graph: Graph) throws(GraphLoadError) {
        guard let snapshot = graph.snapshot else { return }
        do {
            try snapshot.checkAll()
        } catch {
            throw refusal(snapshot.path, error)
        }
    }

    func holderIndex() -> HolderIndex {
        HolderIndex(start: column(.holdersStart), entries: column(.holders))
    }

    func links() -> Graph.Links {
        Graph.Links(taughtBy: RowLists(start: column(.taughtByStart), items: column(.taughtBy)),
                    partOf: RowLists(start: column(.partOfStart), items: column(.partOf)),
                    requiredBy: RowLists(start: column(.requiredByStart), items: column(.requiredBy)),
                    provided: RowLists(start: column(.providedStart), items: column(.provided)))
    }
}

extension GraphLoader {
    /// Checks every section and record of the snapshot a graph was opened from, if any
    /// (`credq validate`): opening checks only the header, queries check what they use.
    public static func checkSnapshot(_ graph: Graph) throws(GraphLoadError) {
        try SnapshotFile.checkAll(graph)
    }

    /// Whether the graph was opened from a snapshot.
    public static func isSnapshot(_ graph: Graph) -> Bool { graph.snapshot != nil }
}
