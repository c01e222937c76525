import CRabbitMQ
#if canImport(Glibc)
import Glibc
#endif

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
