/// The fields of each kind of entity: what `where`, `select`, `sort by` and `.schema` see.
public struct FieldSpec: Sendable {
    public var name: String
    public var type: String
    public var doc: String
    let get: @Sendable (Graph, Int) -> Value
}

public enum Schema {
    /// The fields of a kind, in the order `.schema` lists them.
    public static func fields(of kind: EntityKind) -> [FieldSpec] {
        switch kind {
        case .credential: credentialFields
        case .skill: skillFields
        case .role: roleFields
        case .learner: learnerFields
        case .organization: organizationFields
        }
    }

    /// The columns a listing shows before any `select`.
    public static func defaultColumns(of kind: EntityKind) -> [String] {
        switch kind {
        case .credential: ["id", "name", "kind", "provider", "cost", "weeks"]
        case .skill: ["id", "name", "category", "taught_by"]
        case .role: ["id", "name", "aliases", "needs"]
        case .learner: ["id", "name", "role", "goal", "holdings"]
        case .organization: ["id", "name", "kind", "credentials"]
        }
    }

    static func field(_ name: String, of kind: EntityKind) -> FieldSpec? {
        fields(of: kind).first { $0.name == name }
    }

    static func entity(_ graph: Graph, _ kind: EntityKind, _ index: Int?) -> Value {
        guard let index else { return .null }
        let ref = EntityRef(kind: kind, index: index)
        return .entity(entityValue(graph, ref))
    }

    static func entityValue(_ graph: Graph, _ ref: EntityRef) -> EntityValue {
        EntityValue(ref: ref, id: graph.id(of: ref), name: graph.name(of: ref))
    }

    /// A skill at a level, as a cell.
    static func skillLevel(_ graph: Graph, _ skill: Int, _ level: Int) -> Value {
        .skillLevel(entityValue(graph, EntityRef(kind: .skill, index: skill)), level: level)
    }

    static func entities(_ graph: Graph, _ kind: EntityKind, _ indexes: [Int]) -> Value {
        .list(indexes.map { entity(graph, kind, $0) })
    }

    private static func text(_ s: String?) -> Value { s.map(Value.text) ?? .null }

    private static func levels(_ graph: Graph, _ list: some Collection<SkillLevel>) -> Value {
        .list(list.map { skillLevel(graph, $0.skill, $0.level) })
    }

    private static let credentialFields: [FieldSpec] = [
        FieldSpec(name: "id", type: "text", doc: "unique id") { g, i in .text(g.credentials[i].id) },
        FieldSpec(name: "name", type: "text", doc: "display name") { g, i in .text(g.credentials[i].name) },
        FieldSpec(name: "kind", type: "text", doc: "badge, course, microcredential, certificate, certification or degree") { g, i in .text(g.credentials[i].kind.rawValue) },
        FieldSpec(name: "provider", type: "organization", doc: "who awards it") { g, i in entity(g, .organization, g.credentials[i].provider) },
        FieldSpec(name: "platform", type: "organization", doc: "where it is taken") { g, i in entity(g, .organization, g.credentials[i].platform) },
        FieldSpec(name: "teaches", type: "list of skill levels", doc: "skills it builds, with levels 1-4") { g, i in levels(g, g.credentials[i].teaches) },
        FieldSpec(name: "weeks", type: "number", doc: "typical time to complete") { g, i in .number(g.weeks(of: i)) },
        FieldSpec(name: "hours", type: "number", doc: "typical effort") { g, i in g.credentials[i].hours.map(Value.number) ?? .null },
        FieldSpec(name: "cost", type: "number", doc: "price, in the graph's currency") { g, i in .number(g.cost(of: i)) },
        FieldSpec(name: "currency", type: "text", doc: "ISO 4217 code") { g, i in .text(g.credentials[i].currency) },
        FieldSpec(name: "total_cost", type: "number", doc: "its cost plus the cheapest stack toward it (parts, prerequisites)") { g, i in
            g.totals.total(g, i).map { .number($0.cost) } ?? .null
        },
        FieldSpec(name: "total_weeks", type: "number", doc: "the weeks of that same cheapest stack") { g, i in
            g.totals.total(g, i).map { .number($0.weeks) } ?? .null
        },
        FieldSpec(name: "credits", type: "number", doc: "academic credit toward a larger credential") { g, i in .number(g.credentials[i].credits) },
        FieldSpec(name: "requires", type: "list of credentials", doc: "direct prerequisites") { g, i in entities(g, .credential, g.credentials[i].requires) },
        FieldSpec(name: "composite", type: "yes/no", doc: "earned by completing a stack rule") { g, i in .bool(g.credentials[i].stack != nil) },
        FieldSpec(name: "parts", type: "list of credentials", doc: "credentials its stack rule names") { g, i in entities(g, .credential, g.credentials[i].stack?.credentials ?? []) },
        FieldSpec(name: "stacks_into", type: "list of credentials", doc: "composites whose rule names it") { g, i in entities(g, .credential, Array(g.partOf[i])) },
        FieldSpec(name: "accredited_by", type: "list of organizations", doc: "accreditors") { g, i in entities(g, .organization, g.credentials[i].accreditedBy) },
        FieldSpec(name: "recognized_by", type: "list of organizations", doc: "employers and bodies that recognize it") { g, i in entities(g, .organization, g.credentials[i].recognizedBy) },
        FieldSpec(name: "valid_months", type: "number", doc: "months a holding stays valid") { g, i in g.credentials[i].validMonths.map { .number(Double($0)) } ?? .null },
        FieldSpec(name: "holders", type: "number", doc: "how many learners hold it") { g, i in .number(Double(g.holders[i].count)) },
        FieldSpec(name: "url", type: "text", doc: "web page") { g, i in text(g.credentials[i].url) },
    ]

    private static let skillFields: [FieldSpec] = [
        FieldSpec(name: "id", type: "text", doc: "unique id") { g, i in .text(g.skills[i].id) },
        FieldSpec(name: "name", type: "text", doc: "display name") { g, i in .text(g.skills[i].name) },
        FieldSpec(name: "aliases", type: "list of text", doc: "other names") { g, i in .list(g.skills[i].aliases.map(Value.text)) },
        FieldSpec(name: "category", type: "text", doc: "a grouping such as cloud or data") { g, i in text(g.skills[i].category) },
        FieldSpec(name: "broader", type: "skill", doc: "the parent skill") { g, i in entity(g, .skill, g.skills[i].broader) },
        FieldSpec(name: "taught_by", type: "number", doc: "how many credentials teach it") { g, i in .number(Double(g.taughtBy[i].count)) },
    ]

    private static let roleFields: [FieldSpec] = [
        FieldSpec(name: "id", type: "text", doc: "unique id") { g, i in .text(g.roles[i].id) },
        FieldSpec(name: "name", type: "text", doc: "display name") { g, i in .text(g.roles[i].name) },
        FieldSpec(name: "aliases", type: "list of text", doc: "other names") { g, i in .list(g.roles[i].aliases.map(Value.text)) },
        FieldSpec(name: "needs", type: "list of skill levels", doc: "skills the role asks for, with levels") { g, i in levels(g, g.roles[i].needs) },
        FieldSpec(name: "onet", type: "text", doc: "O*NET-SOC code") { g, i in text(g.roles[i].onet) },
        FieldSpec(name: "related", type: "list of roles", doc: "related roles, nearest first") { g, i in entities(g, .role, g.roles[i].related) },
        FieldSpec(name: "uses", type: "list of skills", doc: "skills the role uses beyond its needs") { g, i in entities(g, .skill, g.roles[i].uses) },
    ]

    private static let learnerFields: [FieldSpec] = [
        FieldSpec(name: "id", type: "text", doc: "unique id") { g, i in .text(g.learners[i].id) },
        FieldSpec(name: "name", type: "text", doc: "display name") { g, i in .text(g.learners[i].name) },
        FieldSpec(name: "role", type: "role", doc: "current role") { g, i in entity(g, .role, g.learners[i].role) },
        FieldSpec(name: "goal", type: "role or credential", doc: "what they aim for") { g, i in
            switch g.learners[i].goal {
            case .role(let r): entity(g, .role, r)
            case .credential(let c): entity(g, .credential, c)
            case nil: .null
            }
        },
        FieldSpec(name: "holds", type: "list of credentials", doc: "credentials held") { g, i in entities(g, .credential, g.heldCredentials(of: i)) },
        FieldSpec(name: "holdings", type: "number", doc: "how many holdings") { g, i in .number(Double(g.learners[i].holdings.count)) },
    ]

    private static let organizationFields: [FieldSpec] = [
        FieldSpec(name: "id", type: "text", doc: "unique id") { g, i in .text(g.organizations[i].id) },
        FieldSpec(name: "name", type: "text", doc: "display name") { g, i in .text(g.organizations[i].name) },
        FieldSpec(name: "kind", type: "text", doc: "university, platform, industry, employer or accreditor") { g, i in .text(g.organizations[i].kind.rawValue) },
        FieldSpec(name: "url", type: "text", doc: "web site") { g, i in text(g.organizations[i].url) },
        FieldSpec(name: "keys", type: "number", doc: "published public keys") { g, i in .number(Double(g.organizations[i].keys.count)) },
        FieldSpec(name: "credentials", type: "number", doc: "credentials it awards") { g, i in .number(Double(g.provided[i].count)) },
    ]
}
