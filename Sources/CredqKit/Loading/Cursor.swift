import Foundation

// MARK: - The byte cursor

/// A file read through a fixed buffer: what the cursor has passed is dropped as it goes.
final class FileWindow {
    static let defaultSize = 16 << 20
    let size: Int
    let fd: Int32
    let storage: UnsafeMutablePointer<UInt8>
    private(set) var atEndOfFile = false
    /// A read failed: the cursor gives up and the thorough loader, reading again, reports it.
    private(set) var failed = false
    /// Where in the file `storage[0]` lies.
    private(set) var offset = 0

    /// A window on the file at `path`, from byte `start` on.
    init?(path: String, size: Int, start: Int = 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        if start > 0, lseek(fd, off_t(start), SEEK_SET) != off_t(start) {
            close(fd)
            return nil
        }
        offset = start
        self.size = size
        storage = .allocate(capacity: size)
    }

    /// The file's size, or nil when it cannot be told.
    var fileSize: Int? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    /// Drops what the window holds and fills it from byte `position` of the file on;
    /// returns the new end.
    func jump(to position: Int) -> Int {
        guard lseek(fd, off_t(position), SEEK_SET) == off_t(position) else {
            failed = true
            return 0
        }
        offset = position
        atEndOfFile = false
        return refill(keeping: 0, end: 0)
    }

    deinit {
        storage.deallocate()
        close(fd)
    }

    /// Moves the unread bytes `from..<end` to the front and reads more after them; returns
    /// the new end.
    func refill(keeping from: Int, end: Int) -> Int {
        let kept = end - from
        if kept > 0, from > 0 { memmove(storage, storage + from, kept) }
        offset += from
        var filled = kept
        while filled < size {
            let n = read(fd, storage + filled, size - filled)
            if n < 0, errno == EINTR { continue }
            if n <= 0 {
                atEndOfFile = true
                failed = n < 0
                break
            }
            filled += n
        }
        return filled
    }
}

/// A forward-only reader of strict JSON over a buffer. Anything it does not expect is `Bail`.
struct Cursor {
    typealias Bail = FastGraphReader.Bail
    let base: UnsafePointer<UInt8>
    var end: Int
    var i = 0
    /// Set when reading a file through a window; nil when the whole text is in `base`.
    private let window: FileWindow?

    /// Nil for an empty buffer, which has no base address (and is no graph).
    init?(bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return nil }
        self.base = base
        end = bytes.count
        window = nil
    }

    init(window: FileWindow) throws(Bail) {
        self.window = window
        base = UnsafePointer(window.storage)
        end = window.refill(keeping: 0, end: 0)
        if window.failed { throw Bail() }
    }

    /// Between values: makes sure half a window (8 MiB by default) lies ahead, unless the file ends first.
    /// A single entity larger than that runs into the window's end and gives up.
    @inline(__always)
    mutating func ensureWindow() throws(Bail) {
        guard let window, !window.atEndOfFile, end - i < window.size / 2 else { return }
        end = window.refill(keeping: i, end: end)
        i = 0
        if window.failed { throw Bail() }
    }

    var atEndOfFile: Bool { window?.atEndOfFile ?? true }

    /// Moves to the next `byte` (true), or to the end of the text when there is none (false).
    mutating func find(_ byte: UInt8) throws(Bail) -> Bool {
        while true {
            try ensureWindow()
            while i < end {
                if base[i] == byte { return true }
                i += 1
            }
            if atEndOfFile { return false }
        }
    }

    /// The first eight bytes of a span `plainString` returned, as `KeyedHash.head` makes
    /// them: one load when eight bytes can be read there.
    @inline(__always)
    func head(_ span: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let start = span.baseAddress, start + 8 <= base + end else { return KeyedHash.head(span) }
        return Bytes.low(Bytes.load(start), span.count)
    }

    /// How far into the text the cursor is.
    var position: Int { (window?.offset ?? 0) + i }

    /// Moves the cursor to `position` of the text, which it may have passed or not reached.
    mutating func seek(to position: Int) throws(Bail) {
        guard let window else {
            guard position >= 0, position <= end else { throw Bail() }
            i = position
            return
        }
        let local = position - window.offset
        if local >= 0, local <= end {
            i = local
            return
        }
        end = window.jump(to: position)
        i = 0
        if window.failed { throw Bail() }
    }

    var atEnd: Bool { i >= end }
    var peekIsQuote: Bool {
        mutating get {
            skipWhitespace()
            return i < end && base[i] == UInt8(ascii: "\"")
        }
    }

    @inline(__always) mutating func skipWhitespace() {
        while i < end {
            let b = base[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    @inline(__always) mutating func expect(_ byte: UInt8) throws(Bail) {
        skipWhitespace()
        guard i < end, base[i] == byte else { throw Bail() }
        i += 1
    }

    @inline(__always) mutating func colon() throws(Bail) { try expect(UInt8(ascii: ":")) }

    /// After `{`: true (and consumed) when the object is empty.
    @inline(__always) mutating func objectEnd() throws(Bail) -> Bool {
        skipWhitespace()
        guard i < end else { throw Bail() }
        if base[i] == UInt8(ascii: "}") { i += 1; return true }
        return false
    }

    /// After `[`: true (and consumed) when the array is empty.
    @inline(__always) mutating func arrayEnd() throws(Bail) -> Bool {
        skipWhitespace()
        guard i < end else { throw Bail() }
        if base[i] == UInt8(ascii: "]") { i += 1; return true }
        return false
    }

    /// After a member: true on `,`, false on `}`.
    @inline(__always) mutating func nextMember() throws(Bail) -> Bool {
        skipWhitespace()
        guard i < end else { throw Bail() }
        let b = base[i]
        i += 1
        if b == UInt8(ascii: ",") { return true }
        if b == UInt8(ascii: "}") { return false }
        throw Bail()
    }

    /// After an element: true on `,`, false on `]`.
    @inline(__always) mutating func nextElement() throws(Bail) -> Bool {
        skipWhitespace()
        guard i < end else { throw Bail() }
        let b = base[i]
        i += 1
        if b == UInt8(ascii: ",") { return true }
        if b == UInt8(ascii: "]") { return false }
        throw Bail()
    }

    /// A key the object knows, and the colon after it. Keys with escapes are left to the thorough path.
    @inline(__always)
    mutating func key(_ keys: KeySet) throws(Bail) -> Int {
        let k = try word(keys)
        try colon()
        return k
    }

    /// A string that is one of `words` (object keys, or values such as a kind), as its index.
    /// Words with escapes are left to the thorough path.
    mutating func word(_ words: KeySet) throws(Bail) -> Int {
        try expect(UInt8(ascii: "\""))
        if end - i >= 16 {  // the usual case: the word and its quote within two words of bytes
            let first = Bytes.load(base + i), second = Bytes.load(base + i + 8)
            var k: Int?
            let a = Bytes.special(first)
            if a != 0 {
                let n = a.trailingZeroBitCount / 8
                guard base[i + n] == UInt8(ascii: "\""), n > 0 else { throw Bail() }
                k = words.match(Bytes.low(first, n), 0)
                i += n + 1
            } else {
                let b = Bytes.special(second)
                let n = b.trailingZeroBitCount / 8
                guard n < 8, base[i + 8 + n] == UInt8(ascii: "\"") else { throw Bail() }
                k = words.match(first, Bytes.low(second, n))
                i += 8 + n + 1
            }
            guard let k else { throw Bail() }
            return k
        }
        let start = i
        while i < end, base[i] != UInt8(ascii: "\""), base[i] != UInt8(ascii: "\\") { i += 1 }
        guard i < end, base[i] == UInt8(ascii: "\""), i > start, let k = words.match(base + start, i - start) else { throw Bail() }
        i += 1
        return k
    }

    mutating func string() throws(Bail) -> String {
        if let span = try plainString() { return String(decoding: span, as: UTF8.self) }
        try expect(UInt8(ascii: "\""))
        let start = i
        var high: UInt8 = 0
        while i < end {
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                let bytes = UnsafeBufferPointer(start: base + start, count: i - start)
                i += 1
                if high & 0x80 == 0 { return String(decoding: bytes, as: UTF8.self) }
                guard let s = String(validating: bytes, as: UTF8.self) else { throw Bail() }
                return s
            }
            if b == UInt8(ascii: "\\") { return try escapedString(from: start) }
            guard b >= 0x20 else { throw Bail() }
            high |= b
            i += 1
        }
        throw Bail()
    }

    /// The bytes of a string with no escapes and only ASCII, in place; nil (nothing read)
    /// for any other string, which `string()` then reads.
    @inline(__always)
    mutating func plainString() throws(Bail) -> UnsafeBufferPointer<UInt8>? {
        try expect(UInt8(ascii: "\""))
        let start = i
        while end - i >= 8 {  // eight bytes at a time while they are plain
            let flags = Bytes.special(Bytes.load(base + i))
            if flags == 0 {
                i += 8
                continue
            }
            i += flags.trailingZeroBitCount / 8
            guard base[i] == UInt8(ascii: "\"") else { break }
            i += 1
            return UnsafeBufferPointer(start: base + start, count: i - 1 - start)
        }
        while i < end {
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return UnsafeBufferPointer(start: base + start, count: i - 1 - start)
            }
            guard b >= 0x20, b < 0x80, b != UInt8(ascii: "\\") else { break }
            i += 1
        }
        i = start - 1
        return nil
    }

    mutating func nonEmptyString() throws(Bail) -> String {
        let s = try string()
        guard !s.isEmpty else { throw Bail() }
        return s
    }

    /// The rest of a string that has escapes, from its first byte after the quote.
    private mutating func escapedString(from start: Int) throws(Bail) -> String {
        var buffer = Array(UnsafeBufferPointer(start: base + start, count: i - start))
        while i < end {
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                guard let s = String(validating: buffer, as: UTF8.self) else { throw Bail() }
                return s
            }
            guard b >= 0x20 else { throw Bail() }
            if b != UInt8(ascii: "\\") {
                buffer.append(b)
                i += 1
                continue
            }
            guard i + 1 < end else { throw Bail() }
            let e = base[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(e)
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 1 < end, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else { throw Bail() }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw Bail() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw Bail()
                }
                guard let u = Unicode.Scalar(scalar) else { throw Bail() }
                buffer.append(contentsOf: String(u).utf8)
            default: throw Bail()
            }
        }
        throw Bail()
    }

    private mutating func hex4() throws(Bail) -> UInt32 {
        guard i + 4 <= end else { throw Bail() }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = base[i]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw Bail()
            }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    /// A JSON number, as the thorough reader reads it (-0 is 0; out of range is refused).
    mutating func number() throws(Bail) -> Double {
        skipWhitespace()
        let start = i
        var negative = false
        if i < end, base[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        let digitsStart = i
        var whole: UInt64 = 0
        while i < end, base[i] >= UInt8(ascii: "0"), base[i] <= UInt8(ascii: "9") {
            whole = whole &* 10 &+ UInt64(base[i] - UInt8(ascii: "0"))
            i += 1
        }
        let digits = i - digitsStart
        guard digits > 0, !(digits > 1 && base[digitsStart] == UInt8(ascii: "0")) else { throw Bail() }
        let simple = i >= end || (base[i] != UInt8(ascii: ".") && base[i] != UInt8(ascii: "e") && base[i] != UInt8(ascii: "E"))
        if simple && digits <= 15 {
            let v = Double(whole)
            return negative && v != 0 ? -v : v
        }
        if i < end, base[i] == UInt8(ascii: ".") {
            i += 1
            let f = i
            while i < end, base[i] >= UInt8(ascii: "0"), base[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > f else { throw Bail() }
        }
        if i < end, base[i] == UInt8(ascii: "e") || base[i] == UInt8(ascii: "E") {
            i += 1
            if i < end, base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-") { i += 1 }
            let e = i
            while i < end, base[i] >= UInt8(ascii: "0"), base[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > e else { throw Bail() }
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: i - start), as: UTF8.self)
        guard let v = Double(text), v.isFinite else { throw Bail() }
        return v == 0 ? 0 : v
    }

    mutating func nonNegative() throws(Bail) -> Double {
        let n = try number()
        guard n >= 0 else { throw Bail() }
        return n
    }

    /// A `YYYY-MM-DD` string.
    mutating func day() throws(Bail) -> Day {
        if let span = try plainString() {
            guard let d = Day(bytes: span) else { throw Bail() }
            return d
        }
        guard let d = Day(try string()) else { throw Bail() }
        return d
    }

    /// An array of non-empty strings.
    mutating func stringList() throws(Bail) -> [String] {
        try expect(UInt8(ascii: "["))
        var out: [String] = []
        if try arrayEnd() { return out }
        repeat { out.append(try nonEmptyString()) } while try nextElement()
        return out
    }

    /// An issuer's keys: an array of JWK objects with a "kty" string, kept as JSON values.
    mutating func jwks() throws(Bail) -> [JSONValue] {
        skipWhitespace()
        guard i < end, base[i] == UInt8(ascii: "[") else { throw Bail() }
        // Find the array's end, then let the strict reader read just those bytes.
        let start = i
        var depth = 0
        repeat {
            guard i < end else { throw Bail() }
            switch base[i] {
            case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            case UInt8(ascii: "\""):
                i += 1
                while i < end, base[i] != UInt8(ascii: "\"") { i += base[i] == UInt8(ascii: "\\") ? 2 : 1 }
            default: break
            }
            i += 1
        } while depth > 0
        let slice = Array(UnsafeBufferPointer(start: base + start, count: i - start))
        guard case .array(let items)? = try? JSONParser.parse(slice) else { throw Bail() }
        for item in items {
            guard case .object(let jwk) = item, case .string? = jwk["kty"] else { throw Bail() }
        }
        return items
    }
}
