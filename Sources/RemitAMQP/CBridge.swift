import CRabbitMQ
#if canImport(Glibc)
import Glibc
#endif

// Method ids and property flags from amqp_framing.h; its macros are casts Swift does not import.
enum Method {
    static let connectionClose: UInt32 = 0x000A_0032
    static let connectionBlocked: UInt32 = 0x000A_003C
    static let connectionUnblocked: UInt32 = 0x000A_003D
    static let connectionCloseOk: UInt32 = 0x000A_0033
    static let channelClose: UInt32 = 0x0014_0028
    static let channelCloseOk: UInt32 = 0x0014_0029
    static let basicCancel: UInt32 = 0x003C_001E
    static let basicReturn: UInt32 = 0x003C_0032
    static let basicDeliver: UInt32 = 0x003C_003C
    static let basicAck: UInt32 = 0x003C_0050
    static let basicNack: UInt32 = 0x003C_0078
}

enum PropertyFlag {
    static let contentType: UInt32 = 1 << 15
    static let headers: UInt32 = 1 << 13
    static let deliveryMode: UInt32 = 1 << 12
    static let correlationId: UInt32 = 1 << 10
    static let replyTo: UInt32 = 1 << 9
    static let expiration: UInt32 = 1 << 8
    static let messageId: UInt32 = 1 << 7
    static let timestamp: UInt32 = 1 << 6
    static let type: UInt32 = 1 << 5
    static let appId: UInt32 = 1 << 3
}

/// C memory for one call into rabbitmq-c: every string, table and array handed to the library
/// is copied here and freed together when the `with` scope ends — after the call returned, however
/// the optimizer shortens the arena's lexical lifetime.
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    private init() {}

    /// Runs `body` with an arena whose memory stays valid until `body` returns.
    static func with<Result>(_ body: (CArena) throws -> Result) rethrows -> Result {
        let arena = CArena()
        return try withExtendedLifetime(arena) { try body(arena) }
    }

    deinit {
        for block in blocks { free(block) }
    }

    private func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let block = malloc(max(size, 1))!
        blocks.append(block)
        return block
    }

    func bytes(_ string: String) -> amqp_bytes_t {
        let count = string.utf8.count
        let block = allocate(count)
        UnsafeMutableRawBufferPointer(start: block, count: count).copyBytes(from: string.utf8)
        return amqp_bytes_t(len: count, bytes: block)
    }

    func bytes(_ array: [UInt8]) -> amqp_bytes_t {
        let block = allocate(array.count)
        array.withUnsafeBytes { source in
            if let base = source.baseAddress { block.copyMemory(from: base, byteCount: source.count) }
        }
        return amqp_bytes_t(len: array.count, bytes: block)
    }

    func table(_ table: AMQPTable) -> amqp_table_t {
        guard !table.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let entries = allocate(MemoryLayout<amqp_table_entry_t>.stride * table.count)
            .bindMemory(to: amqp_table_entry_t.self, capacity: table.count)
        // Sorted so that the wire form is stable (easier to read in captures and tests).
        for (index, (key, value)) in table.sorted(by: { $0.key < $1.key }).enumerated() {
            entries[index] = amqp_table_entry_t(key: bytes(key), value: field(value))
        }
        return amqp_table_t(num_entries: Int32(table.count), entries: entries)
    }

    func field(_ value: AMQPValue) -> amqp_field_value_t {
        var result = amqp_field_value_t()
        switch value {
        case .string(let string):
            result.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            result.value.bytes = bytes(string)
        case .int(let int):
            result.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue)
            result.value.i64 = int
        case .bool(let bool):
            result.kind = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue)
            result.value.boolean = bool ? 1 : 0
        case .double(let double):
            result.kind = UInt8(AMQP_FIELD_KIND_F64.rawValue)
            result.value.f64 = double
        case .timestamp(let seconds):
            result.kind = UInt8(AMQP_FIELD_KIND_TIMESTAMP.rawValue)
            result.value.u64 = seconds
        case .bytes(let raw):
            result.kind = UInt8(AMQP_FIELD_KIND_BYTES.rawValue)
            result.value.bytes = bytes(raw)
        case .array(let values):
            result.kind = UInt8(AMQP_FIELD_KIND_ARRAY.rawValue)
            let entries = allocate(MemoryLayout<amqp_field_value_t>.stride * max(values.count, 1))
                .bindMemory(to: amqp_field_value_t.self, capacity: max(values.count, 1))
            for (index, element) in values.enumerated() { entries[index] = field(element) }
            result.value.array = amqp_array_t(num_entries: Int32(values.count), entries: values.isEmpty ? nil : entries)
        case .table(let nested):
            result.kind = UInt8(AMQP_FIELD_KIND_TABLE.rawValue)
            result.value.table = table(nested)
        case .void:
            result.kind = UInt8(AMQP_FIELD_KIND_VOID.rawValue)
        }
        return result
    }

    func properties(_ properties: AMQPProperties) -> amqp_basic_properties_t {
        var result = amqp_basic_properties_t()
        var flags: UInt32 = PropertyFlag.deliveryMode
        result.delivery_mode = properties.persistent ? 2 : 1
        if let value = properties.contentType { flags |= PropertyFlag.contentType; result.content_type = bytes(value) }
        if let value = properties.messageId { flags |= PropertyFlag.messageId; result.message_id = bytes(value) }
        if let value = properties.correlationId { flags |= PropertyFlag.correlationId; result.correlation_id = bytes(value) }
        if let value = properties.replyTo { flags |= PropertyFlag.replyTo; result.reply_to = bytes(value) }
        if let value = properties.type { flags |= PropertyFlag.type; result.type = bytes(value) }
        if let value = properties.appId { flags |= PropertyFlag.appId; result.app_id = bytes(value) }
        if let value = properties.expiration { flags |= PropertyFlag.expiration; result.expiration = bytes(value) }
        if let value = properties.timestamp { flags |= PropertyFlag.timestamp; result.timestamp = value }
        if !properties.headers.isEmpty { flags |= PropertyFlag.headers; result.headers = table(properties.headers) }
        result._flags = flags
        return result
    }
}

enum CDecode {
    static func string(_ bytes: amqp_bytes_t) -> String {
        guard bytes.len > 0, let base = bytes.bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base, count: bytes.len), as: UTF8.self)
    }

    static func array(_ bytes: amqp_bytes_t) -> [UInt8] {
        guard bytes.len > 0, let base = bytes.bytes else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: base, count: bytes.len))
    }

    static func table(_ table: amqp_table_t) -> AMQPTable {
        var result: AMQPTable = [:]
        guard table.num_entries > 0, let entries = table.entries else { return result }
        for index in 0..<Int(table.num_entries) {
            result[string(entries[index].key)] = value(entries[index].value)
        }
        return result
    }

    static func value(_ field: amqp_field_value_t) -> AMQPValue {
        switch Int32(field.kind) {
        case Int32(AMQP_FIELD_KIND_UTF8.rawValue): return .string(string(field.value.bytes))
        case Int32(AMQP_FIELD_KIND_BYTES.rawValue): return .bytes(array(field.value.bytes))
        case Int32(AMQP_FIELD_KIND_BOOLEAN.rawValue): return .bool(field.value.boolean != 0)
        case Int32(AMQP_FIELD_KIND_I8.rawValue): return .int(Int64(field.value.i8))
        case Int32(AMQP_FIELD_KIND_U8.rawValue): return .int(Int64(field.value.u8))
        case Int32(AMQP_FIELD_KIND_I16.rawValue): return .int(Int64(field.value.i16))
        case Int32(AMQP_FIELD_KIND_U16.rawValue): return .int(Int64(field.value.u16))
        case Int32(AMQP_FIELD_KIND_I32.rawValue): return .int(Int64(field.value.i32))
        case Int32(AMQP_FIELD_KIND_U32.rawValue): return .int(Int64(field.value.u32))
        case Int32(AMQP_FIELD_KIND_I64.rawValue): return .int(field.value.i64)
        case Int32(AMQP_FIELD_KIND_U64.rawValue): return .int(Int64(clamping: field.value.u64))
        case Int32(AMQP_FIELD_KIND_TIMESTAMP.rawValue): return .timestamp(field.value.u64)
        case Int32(AMQP_FIELD_KIND_F32.rawValue): return .double(Double(field.value.f32))
        case Int32(AMQP_FIELD_KIND_F64.rawValue): return .double(field.value.f64)
        case Int32(AMQP_FIELD_KIND_TABLE.rawValue): return .table(table(field.value.table))
        case Int32(AMQP_FIELD_KIND_ARRAY.rawValue):
            let array = field.value.array
            guard array.num_entries > 0, let entries = array.entries else { return .array([]) }
            return .array((0..<Int(array.num_entries)).map { value(entries[$0]) })
        default: return .void
        }
    }

    static func properties(_ p: amqp_basic_properties_t) -> AMQPProperties {
        let flags = p._flags
        func has(_ flag: UInt32) -> Bool { flags & flag != 0 }
        return AMQPProperties(
            contentType: has(PropertyFlag.contentType) ? string(p.content_type) : nil,
            messageId: has(PropertyFlag.messageId) ? string(p.message_id) : nil,
            correlationId: has(PropertyFlag.correlationId) ? string(p.correlation_id) : nil,
            replyTo: has(PropertyFlag.replyTo) ? string(p.reply_to) : nil,
            type: has(PropertyFlag.type) ? string(p.type) : nil,
            timestamp: has(PropertyFlag.timestamp) ? p.timestamp : nil,
            appId: has(PropertyFlag.appId) ? string(p.app_id) : nil,
            expiration: has(PropertyFlag.expiration) ? string(p.expiration) : nil,
            persistent: has(PropertyFlag.deliveryMode) ? p.delivery_mode == 2 : false,
            headers: has(PropertyFlag.headers) ? table(p.headers) : [:]
        )
    }
}
