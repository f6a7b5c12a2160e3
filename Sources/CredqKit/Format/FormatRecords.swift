/// Objects of the format built and read through its keys: the writer and the importers write
/// `JSONObject([(Format.Credential.id, …), (.name, …)])`, never a key spelled as a string.
extension JSONObject {
    /// An object of the keys given a value, in the order given; a nil value leaves its key out.
    init<K: FormatKey>(_ members: [(K, JSONValue?)]) {
        self.init(members: members.compactMap { key, value in value.map { (key.name, $0) } })
    }

    /// The value of a key of the format, if the object has it.
    subscript<K: FormatKey>(_ key: K) -> JSONValue? { self[key.name] }

    /// Sets a key of the format: replaces its value where it is, appends it otherwise; nil removes it.
    mutating func set<K: FormatKey>(_ key: K, _ value: JSONValue?) {
        guard let value else { members.removeAll { $0.key == key.name }; return }
        set(key.name, value)
    }

    /// A string value of a key of the format.
    func string<K: FormatKey>(_ key: K) -> String? {
        if case .string(let s)? = self[key.name] { return s }
        return nil
    }

    /// The items of an array value of a key of the format (none when it is missing or not a list).
    func list<K: FormatKey>(_ key: K) -> [JSONValue] {
        if case .array(let items)? = self[key.name] { return items }
        return []
    }
}
