import Foundation

/// The fast reader's last phase: references become indexes, cycles are looked for, and the
/// graph is put together.
extension FastGraphReader {
    // MARK: - Resolving

    /// The credentials a stack rule names, in the order `StackRule` lists them (its leaves,
    /// depth first).
    static func leaves(of rule: StackRule, _ each: (Int) -> Void) {
        switch rule {
        case .credential(let c): each(c)
        case .all(let items), .any(let items), .atLeast(_, let items): for item in items { leaves(of: item, each) }
        case .credits(_, let items): items.forEach(each)
        }
    }

    /// The rule with its leaves replaced, in order, by `next()`.
    static func replacingLeaves(of rule: StackRule, _ next: () -> Int) -> StackRule {
        switch rule {
        case .credential: .credential(next())
        case .all(let items): .all(items.map { replacingLeaves(of: $0, next) })
        case .any(let items): .any(items.map { replacingLeaves(of: $0, next) })
        case .atLeast(let n, let items): .atLeast(n, items.map { replacingLeaves(of: $0, next) })
        case .credits(let n, let items): .credits(n, items.map { _ in next() })
        }
    }

    /// Finds every key of `references` in `table`, in place; false when one is not there.
    static func find(_ table: IDTable, _ keys: KeyArena, _ references: inout [Int]) -> Bool {
        references.withUnsafeMutableBufferPointer { references in
            table.findAll(references, in: keys)
            return !references.contains(-1)
        }
    }

    /// Gives each level the next skill of `skills`, from `next` on.
    static func writeSkills(_ levels: inout [SkillLevel], from skills: [Int], at next: inout Int) {
        levels.withUnsafeMutableBufferPointer { levels in
            for l in levels.indices {
                levels[l].skill = skills[next]
                next += 1
            }
        }
    }

    /// Resolves the references of the skills, credentials and roles from the lists gathered
    /// while reading, and checks that they make no cycle; false when an id is defined
    /// nowhere or there is a cycle.
    mutating func resolveCatalog(_ tables: Tables, _ keys: KeyArena) -> Bool {
        var broaderRefs = self.broaderRefs, taughtRefs = self.taughtRefs, neededRefs = self.neededRefs
        var relatedRefs = self.relatedRefs, usedRefs = self.usedRefs
        var organizationRefs = self.organizationRefs, credentialRefs = self.credentialRefs
        (self.broaderRefs, self.taughtRefs, self.neededRefs, self.organizationRefs, self.credentialRefs) = ([], [], [], [], [])
        (self.relatedRefs, self.usedRefs) = ([], [])
        guard Self.find(tables.skill, keys, &broaderRefs), Self.find(tables.skill, keys, &taughtRefs),
              Self.find(tables.skill, keys, &neededRefs), Self.find(tables.role, keys, &relatedRefs), Self.find(tables.skill, keys, &usedRefs),
              Self.find(tables.organization, keys, &organizationRefs),
              Self.find(tables.credential, keys, &credentialRefs) else { return false }
        // Written back in the order read. An edge to an entity defined later (or to itself)
        // is noted, for only then can there be a cycle to look for.
        var nextBroader = 0, nextNeeded = 0, nextOrganization = 0, nextCredential = 0
        func organization() -> Int {
            defer { nextOrganization += 1 }
            return organizationRefs[nextOrganization]
        }
        func credential() -> Int {
            defer { nextCredential += 1 }
            return credentialRefs[nextCredential]
        }
        var broaderForward = false, requiresForward = false, stackForward = false
        skills.withUnsafeMutableBufferPointer { all in
            for i in all.indices where all[i].broader != nil {
                all[i].broader = broaderRefs[nextBroader]
                nextBroader += 1
                if all[i].broader! >= i { broaderForward = true }
            }
        }
        // The levels all credentials teach get their skills in one pass, then their store.
        taught.withUnsafeMutableBufferPointer { levels in
            for j in levels.indices { levels[j].skill = taughtRefs[j] }
        }
        let taughtStore = SkillLevelStore(taught)
        taught = []
        credentials.withUnsafeMutableBufferPointer { all in
            for i in all.indices {
                all[i].teaches = all[i].teaches.placed(in: taughtStore)
                all[i].provider = organization()
                if all[i].platform != nil { all[i].platform = organization() }
                if !all[i].requires.isEmpty {
                    all[i].requires.withUnsafeMutableBufferPointer { requires in
                        for r in requires.indices {
                            requires[r] = credential()
                            if requires[r] >= i { requiresForward = true }
                        }
                    }
                }
                if let rule = all[i].stack {
                    let rewritten = Self.replacingLeaves(of: rule, credential)
                    all[i].stack = rewritten
                    Self.leaves(of: rewritten) { if $0 >= i { stackForward = true } }
                }
                if !all[i].accreditedBy.isEmpty {
                    all[i].accreditedBy.withUnsafeMutableBufferPointer { for o in $0.indices { $0[o] = organization() } }
                }
                if !all[i].recognizedBy.isEmpty {
                    all[i].recognizedBy.withUnsafeMutableBufferPointer { for o in $0.indices { $0[o] = organization() } }
                }
            }
        }
        var nextRelated = 0, nextUsed = 0
        roles.withUnsafeMutableBufferPointer { all in
            for i in all.indices {
                Self.writeSkills(&all[i].needs, from: neededRefs, at: &nextNeeded)
                for r in all[i].related.indices {
                    all[i].related[r] = relatedRefs[nextRelated]
                    nextRelated += 1
                }
                for u in all[i].uses.indices {
                    all[i].uses[u] = usedRefs[nextUsed]
                    nextUsed += 1
                }
            }
        }
        discardLater((broaderRefs, taughtRefs, neededRefs, organizationRefs, credentialRefs))
        if requiresForward, !GraphBuilder.cycles(credentials.map(\.requires)).isEmpty { return false }
        if broaderForward, !GraphBuilder.cycles(skills.map { $0.broader.map { [$0] } ?? [] }).isEmpty { return false }
        if stackForward, !GraphBuilder.cycles(credentials.map { $0.stack?.credentials ?? [] }).isEmpty { return false }
        return true
    }

    /// Resolves the learners' references from the lists gathered while reading: each
    /// holding's credential, each learner's role, and the goals; and places their holdings
    /// in the store that `holdings` becomes.
    static func resolve(_ learners: inout [Learner], _ holdings: inout HoldingStore.Builder, _ tables: Tables, _ keys: KeyArena,
                                _ credentials: inout [Int], _ roles: inout [Int], _ goals: [(learner: Int, key: UInt64)]) -> Bool {
        guard find(tables.credential, keys, &credentials), find(tables.role, keys, &roles) else { return false }
        holdings.packed.withUnsafeMutableBufferPointer { packed in
            for h in packed.indices { packed[h].credential = Int32(truncatingIfNeeded: credentials[h]) }
        }
        let store = holdings.finished()
        holdings = HoldingStore.Builder()
        var nextRole = 0
        learners.withUnsafeMutableBufferPointer { all in
            for i in all.indices {
                if all[i].role != nil {
                    all[i].role = roles[nextRole]
                    nextRole += 1
                }
                all[i].holdings = all[i].holdings.moved(to: store, by: 0)
            }
        }
        // A goal is a role, or else a credential.
        for (i, key) in goals {
            if let r = tables.role.find(key, in: keys) {
                learners[i].goal = .role(r)
            } else if let c = tables.credential.find(key, in: keys) {
                learners[i].goal = .credential(c)
            } else {
                return false
            }
        }
        return true
    }

    /// One id table per kind, numbered in entity order.
    struct Tables {
        var organization = IDTable(), skill = IDTable(), credential = IDTable(), role = IDTable(), learner = IDTable()
    }

    mutating func finish(sources: [String]) throws(Bail) -> Graph {
        let keys = self.keys
        self.keys = KeyArena()
        // The catalog's id tables here; beside them the learners' table, and the check that
        // no two holdings share an id (a helper has sorted its part's already).
        /// A table of one kind's ids; nil when an id is there twice.
        func table(_ ids: inout [UInt64]) -> IDTable? {
            defer { ids = [] }
            return IDTable(keys: ids, from: keys)
        }
        var tables: Tables?, learnerTable: IDTable?
        // The helper's part, if any, is resolved on its own and joined on beside the catalog.
        var part = helper.popLast() ?? FastGraphReader()
        var holdingIDs = self.holdingIDs
        self.holdingIDs = DuplicateFinder()
        var repeatedHolding = false, checkTook: UInt64 = 0
        var learnerIDs = self.learnerIDs, partIDs = part.learnerIDs
        (self.learnerIDs, part.learnerIDs) = ([], [])
        var ids = [orgIDs, skillIDs, credIDs, roleIDs]
        (orgIDs, skillIDs, credIDs, roleIDs) = ([], [], [], [])
        together({
            guard let org = table(&ids[0]), let skill = table(&ids[1]), let cred = table(&ids[2]),
                  let role = table(&ids[3]) else { return }
            tables = Tables(organization: org, skill: skill, credential: cred, role: role)
        }, {
            let began = DispatchTime.now().uptimeNanoseconds
            learnerIDs.append(contentsOf: partIDs)
            partIDs = []
            learnerTable = table(&learnerIDs)
            repeatedHolding = holdingIDs.anyEqual(with: part.holdingIDs)
            checkTook = (DispatchTime.now().uptimeNanoseconds - began) / 1_000_000
        })
        guard var tables, let learnerTable, !repeatedHolding else { throw Bail() }
        tables.learner = learnerTable
        part.holdingIDs = DuplicateFinder()
        LoadTrace.mark("resolve: catalog id tables, and beside them learners' and holding ids in \(checkTook) ms,")

        // Every reference becomes an index: the catalog's here, the learners' beside them.
        // An id no file defines leaves the files to the thorough loader, which says which.
        var learners = self.learners, holdingStore = self.holdingStore
        self.learners = []
        self.holdingStore = HoldingStore.Builder()
        var catalogResolved = false, learnersResolved = false
        let goals = self.goals
        self.goals = []
        var holdingCredentials = self.holdingCredentials, learnerRoles = self.learnerRoles
        (self.holdingCredentials, self.learnerRoles) = ([], [])
        var catalogTook: UInt64 = 0, learnersTook: UInt64 = 0
        together({
            let began = DispatchTime.now().uptimeNanoseconds
            catalogResolved = resolveCatalog(tables, keys)
            catalogTook = (DispatchTime.now().uptimeNanoseconds - began) / 1_000_000
        }, {
            let began = DispatchTime.now().uptimeNanoseconds
            learnersResolved = Self.resolve(&learners, &holdingStore, tables, keys, &holdingCredentials, &learnerRoles, goals)
                && Self.resolve(&part.learners, &part.holdingStore, tables, keys, &part.holdingCredentials, &part.learnerRoles, part.goals)
            // The smaller part moves, instead of copying a million learners into a new array.
            if learners.count < part.learners.count {
                part.learners.insert(contentsOf: learners, at: 0)
                swap(&learners, &part.learners)
            } else {
                learners.append(contentsOf: part.learners)
            }
            discardLater(part)
            part = FastGraphReader()
            learnersTook = (DispatchTime.now().uptimeNanoseconds - began) / 1_000_000
        })
        self.learners = learners
        discardLater((holdingCredentials, learnerRoles))
        (holdingCredentials, learnerRoles) = ([], [])
        guard catalogResolved, learnersResolved else { throw Bail() }
        LoadTrace.mark("resolve: references and cycles, catalog \(catalogTook) ms and learners \(learnersTook) ms,")
        var graph = Graph()
        graph.sources = sources
        graph.organizations = EntityTable(organizations)
        graph.skills = EntityTable(skills)
        graph.credentials = EntityTable(credentials)
        graph.roles = EntityTable(roles)
        graph.learners = EntityTable(learners)
        graph.buildIndexes(ids: [
            .organization: IDLookup(table: tables.organization, entity: nil), .skill: IDLookup(table: tables.skill, entity: nil),
            .credential: IDLookup(table: tables.credential, entity: nil), .role: IDLookup(table: tables.role, entity: nil),
            .learner: IDLookup(table: tables.learner, entity: nil),
        ], costs: costs, weeks: weeks)
        LoadTrace.mark("index")
        return graph
    }
}
