/// What can be wrong in a graph file, and the words for it: every loader and builder
/// diagnostic is one of these, worded here and nowhere else. `found` is the value as the
/// message shows it (`a string`, `"abc"`, `12`).
enum GraphProblem: Sendable, Equatable {
    // The file as a whole
    case notAnObject(found: String)
    case missingVersion
    case unsupportedVersion(found: String)
    case unknownKey(String, list: String)
    // Shapes
    case expectedArray(found: String)
    case expectedObject(found: String)
    case expectedString(found: String)
    case expectedNonEmptyString(found: String)
    case expectedStrings(found: String)
    case expectedNumber(found: String)
    case expectedLevels(found: String)
    case expectedHolding(found: String)
    case expectedHoldings(found: String)
    case expectedJWK(found: String)
    case expectedJWKs(found: String)
    case jwkWithoutKty
    case notAMultikey(String)
    case expectedProof(found: String)
    case missingKey(String)
    // Values
    case emptyID
    case emptyCredentialID
    case notOneOf(String, allowed: [String])
    case negative(found: String)
    case notCurrency(String)
    case badValidMonths(found: String)
    case badLevel(found: String)
    case notDate(String)
    case expiresBeforeIssued(expires: String, issued: String)
    // Stack rules
    case ruleNeedsOf(shape: String)
    case expectedRules(found: String)
    case listedTwiceInRule(String)
    case ruleShapes([String])
    case unexpectedRuleKey(String)
    case badItemCount(found: String)
    case countAboveItems(Int, items: Int)
    case badCredits(found: String)
    case nestedInCredits
    case badRule(found: String)
    // Across entities and files
    case mixedCurrency(String, first: String, at: String)
    case duplicateID(kind: String, id: String, firstIn: String, at: String)
    case unknownID(kind: String, id: String, suggestions: [String])
    case cycle(through: String, ids: [String])

    var words: String {
        switch self {
        case .notAnObject(let found): "a graph file must be a JSON object, found \(found)"
        case .missingVersion: "missing the \"credq\" key: a graph file starts with {\"credq\": \(Format.version), ...}"
        case .unsupportedVersion(let found): "unsupported format version \(found): this credq reads version \(Format.version)"
        case .unknownKey(let key, let list):
            "unknown key \"\(key)\" is not part of format v1 and was ignored" + (list.isEmpty ? "" : " (reported once for \(list))")
        case .expectedArray(let found): "expected an array, found \(found)"
        case .expectedObject(let found): "expected an object, found \(found)"
        case .expectedString(let found): "expected a string, found \(found)"
        case .expectedNonEmptyString(let found): "expected a non-empty string, found \(found)"
        case .expectedStrings(let found): "expected an array of strings, found \(found)"
        case .expectedNumber(let found): "expected a number, found \(found)"
        case .expectedLevels(let found): "expected an object of skill id → level 1-4, found \(found)"
        case .expectedHolding(let found): "expected a holding object, found \(found)"
        case .expectedHoldings(let found): "expected an array of holdings, found \(found)"
        case .expectedJWK(let found): "expected a JWK object or a Multikey string, found \(found)"
        case .expectedJWKs(let found): "expected an array of JWK objects or Multikey strings, found \(found)"
        case .notAMultikey(let text): "\"\(text)\" is not an Ed25519 Multikey (z6Mk...)"
        case .expectedProof(let found): "expected a proof: a compact JWS string or a signed credential object, found \(found)"
        case .jwkWithoutKty: "a JWK needs a \"kty\" string"
        case .missingKey(let key): "missing required key \"\(key)\""
        case .emptyID: "an id may not be empty"
        case .emptyCredentialID: "a credential id may not be empty"
        case .notOneOf(let value, let allowed): "\"\(value)\" is not one of \(allowed.joined(separator: ", "))"
        case .negative(let found): "must not be negative, found \(found)"
        case .notCurrency(let code): "\"\(code)\" is not an ISO 4217 code such as USD"
        case .badValidMonths(let found): "expected a whole number of months above 0, found \(found)"
        case .badLevel(let found): "a level is a whole number from 1 to 4, found \(found)"
        case .notDate(let text): "\"\(text)\" is not a date YYYY-MM-DD"
        case .expiresBeforeIssued(let expires, let issued): "expires \(expires) is before issued \(issued)"
        case .ruleNeedsOf(let shape): "\"\(shape)\" needs \"of\": a list of rules"
        case .expectedRules(let found): "expected a non-empty array of rules, found \(found)"
        case .listedTwiceInRule(let id): "\"\(id)\" is listed twice in one rule"
        case .ruleShapes(let shapes):
            shapes.isEmpty
                ? "a stack rule is a credential id or an object with \"all\", \"any\", \"n\" and \"of\", or \"credits\" and \"of\""
                : "a stack rule has one shape, found \(shapes.map { "\"\($0)\"" }.joined(separator: " and "))"
        case .unexpectedRuleKey(let key): "unexpected key \"\(key)\" in a stack rule"
        case .badItemCount(let found): "expected a whole number of items, at least 1, found \(found)"
        case .countAboveItems(let n, let items): "asks for \(n) items but \"of\" lists only \(items)"
        case .badCredits(let found): "expected a number of credits ≥ 0, found \(found)"
        case .nestedInCredits: "a credits rule lists credential ids, not nested rules"
        case .badRule(let found): "a stack rule is a credential id or an object, found \(found)"
        case .mixedCurrency(let code, let first, let at): "currency \(code) differs from \(first) (\(at)): a graph uses one currency"
        case .duplicateID(let kind, let id, let file, let path): "duplicate \(kind) id \"\(id)\", first defined in \(file) at \(path)"
        case .unknownID(let kind, let id, let suggestions):
            "unknown \(kind) id \"\(id)\""
                + (suggestions.isEmpty ? "" : "; did you mean " + suggestions.map { "\"\($0)\"" }.joined(separator: " or ") + "?")
        case .cycle(let relation, let ids):
            (relation == "stack rules" ? "cycle through stack rules: " : "cycle in \(relation): ") + (ids + ids.prefix(1)).joined(separator: " → ")
        }
    }
}
