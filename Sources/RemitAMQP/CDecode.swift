import CRabbitMQ
#if canImport(Glibc)
import Glibc
#endif

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
