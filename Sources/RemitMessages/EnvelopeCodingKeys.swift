/// The keys of an envelope, shared by `Envelope`, `EnvelopeHeader` and `DecodedEnvelope`.
enum EnvelopeCodingKeys: String, CodingKey {
    case type, version, id, correlationId, causationId, occurredAt, actingUser, body
}
