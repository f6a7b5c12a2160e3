/// GZIP (RFC 1952) around DEFLATE (RFC 1951), decompressed in Swift for the status lists
/// credentials point at. Every read is bounds-checked, the output has a ceiling the caller
/// sets, and the trailer's CRC-32 and length are checked: a damaged or hostile list is an
/// error, never a crash or an unbounded allocation.
enum Gzip {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case notGzip
        case corrupt(String)
        case tooLarge(Int)

        var description: String {
            switch self {
            case .notGzip: "not GZIP data"
            case .corrupt(let why): "damaged GZIP data (\(why))"
            case .tooLarge(let limit): "it expands past \(limit) bytes"
            }
        }
    }

    /// The bytes of a single-member GZIP file, at most `limit` of them.
    static func decompress(_ data: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        guard data.count >= 18, data[0] == 0x1f, data[1] == 0x8b else { throw .notGzip }
        guard data[2] == 8 else { throw .corrupt("compression method \(data[2]) is not DEFLATE") }
        let flags = data[3]
        var position = 10
        func skipZeroTerminated() throws(Failure) {
            while position < data.count, data[position] != 0 { position += 1 }
            guard position < data.count else { throw .corrupt("the header ends early") }
            position += 1
        }
        if flags & 0x04 != 0 {
            guard position + 2 <= data.count else { throw .corrupt("the header ends early") }
            position += 2 + (Int(data[position]) | Int(data[position + 1]) << 8)
        }
        if flags & 0x08 != 0 { try skipZeroTerminated() }
        if flags & 0x10 != 0 { try skipZeroTerminated() }
        if flags & 0x02 != 0 { position += 2 }
        guard position <= data.count - 8 else { throw .corrupt("the header ends early") }
        var inflater = Inflater(input: data, position: position, end: data.count - 8, limit: limit)
        try inflater.run()
        let trailer = inflater.position
        guard trailer + 8 <= data.count else { throw .corrupt("no trailer") }
        func word(_ at: Int) -> UInt32 {
            UInt32(data[at]) | UInt32(data[at + 1]) << 8 | UInt32(data[at + 2]) << 16 | UInt32(data[at + 3]) << 24
        }
        guard word(trailer) == crc32(inflater.output) else { throw .corrupt("the CRC-32 does not match") }
        guard word(trailer + 4) == UInt32(truncatingIfNeeded: inflater.output.count) else { throw .corrupt("the length does not match") }
        return inflater.output
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

/// A DEFLATE decoder: stored, fixed and dynamic Huffman blocks, decoded a bit at a time
/// through canonical code counts.
private struct Inflater {
    let input: [UInt8]
    var position: Int
    let end: Int
    let limit: Int
    var output: [UInt8] = []
    private var bitBuffer: UInt32 = 0
    private var bitCount = 0

    init(input: [UInt8], position: Int, end: Int, limit: Int) {
        self.input = input
        self.position = position
        self.end = end
        self.limit = limit
    }

    /// A canonical Huffman code: how many codes each length has, and the symbols in code order.
    struct Code {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int]

        init(lengths: ArraySlice<Int>) throws(Gzip.Failure) {
            symbols = [Int](repeating: 0, count: lengths.count)
            for length in lengths { counts[length] += 1 }
            var left = 1
            for length in 1...15 {
                left = left * 2 - counts[length]
                guard left >= 0 else { throw .corrupt("an over-subscribed Huffman code") }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                               1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    static let lengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    static let fixed: (Code, Code) = {
        var lengths = [Int](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        let literals = try! Code(lengths: lengths[...])
        let distances = try! Code(lengths: [Int](repeating: 5, count: 30)[...])
        return (literals, distances)
    }()

    mutating func bits(_ n: Int) throws(Gzip.Failure) -> Int {
        while bitCount < n {
            guard position < end else { throw .corrupt("the data ends early") }
            bitBuffer |= UInt32(input[position]) << UInt32(bitCount)
            position += 1
            bitCount += 8
        }
        let value = Int(bitBuffer & ((1 << UInt32(n)) - 1))
        bitBuffer >>= UInt32(n)
        bitCount -= n
        return value
    }

    mutating func decode(_ code: Code) throws(Gzip.Failure) -> Int {
        var value = 0, first = 0, index = 0
        for length in 1...15 {
            value |= try bits(1)
            let count = code.counts[length]
            if value - first < count { return code.symbols[index + value - first] }
            index += count
            first = (first + count) << 1
            value <<= 1
        }
        throw .corrupt("a code that is not in its Huffman table")
    }

    mutating func run() throws(Gzip.Failure) {
        var last = false
        while !last {
            last = try bits(1) == 1
            switch try bits(2) {
            case 0: try stored()
            case 1: try codes(Self.fixed.0, Self.fixed.1)
            case 2:
                let (literals, distances) = try dynamicCodes()
                try codes(literals, distances)
            default: throw .corrupt("a block of the reserved type")
            }
        }
    }

    mutating func stored() throws(Gzip.Failure) {
        bitBuffer = 0
        bitCount = 0
        guard position + 4 <= end else { throw .corrupt("the data ends early") }
        let length = Int(input[position]) | Int(input[position + 1]) << 8
        let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
        guard length == ~complement & 0xffff else { throw .corrupt("a stored block's length is not its complement's") }
        position += 4
        guard position + length <= end else { throw .corrupt("the data ends early") }
        guard output.count + length <= limit else { throw .tooLarge(limit) }
        output.append(contentsOf: input[position..<(position + length)])
        position += length
    }

    mutating func dynamicCodes() throws(Gzip.Failure) -> (Code, Code) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let lengthCodeCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else { throw .corrupt("too many codes") }
        var lengthLengths = [Int](repeating: 0, count: 19)
        for i in 0..<lengthCodeCount { lengthLengths[Self.lengthOrder[i]] = try bits(3) }
        let lengthCode = try Code(lengths: lengthLengths[...])
        var lengths: [Int] = []
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(lengthCode)
            var repeated = 0, times = 0
            switch symbol {
            case 0...15:
                lengths.append(symbol)
                continue
            case 16:
                guard let previous = lengths.last else { throw .corrupt("a repeat with nothing before it") }
                (repeated, times) = (previous, 3 + (try bits(2)))
            case 17: times = 3 + (try bits(3))
            default: times = 11 + (try bits(7))
            }
            guard lengths.count + times <= literalCount + distanceCount else { throw .corrupt("code lengths past the end") }
            lengths += repeatElement(repeated, count: times)
        }
        guard lengths[256] != 0 else { throw .corrupt("no end-of-block code") }
        return (try Code(lengths: lengths[..<literalCount]), try Code(lengths: lengths[literalCount...]))
    }

    mutating func codes(_ literals: Code, _ distances: Code) throws(Gzip.Failure) {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                guard output.count < limit else { throw .tooLarge(limit) }
                output.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let index = symbol - 257
            guard index < 29 else { throw .corrupt("a length code past the table") }
            let length = Self.lengthBase[index] + (try bits(Self.lengthExtra[index]))
            let distanceSymbol = try decode(distances)
            guard distanceSymbol < 30 else { throw .corrupt("a distance code past the table") }
            let distance = Self.distanceBase[distanceSymbol] + (try bits(Self.distanceExtra[distanceSymbol]))
            guard distance <= output.count else { throw .corrupt("a distance before the start") }
            guard output.count + length <= limit else { throw .tooLarge(limit) }
            let start = output.count - distance
            for i in 0..<length { output.append(output[start + i]) }
        }
    }
}
