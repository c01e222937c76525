import Foundation
import RemitCore

/// The broker objects, worker kinds and message schemas under `Topology/`, loaded and checked
/// for consistency. Code reads queue and exchange names from here; none is spelled in Swift.
public struct Topology: Sendable {
    public var definitions: BrokerDefinitions
    public var workers: WorkerCatalog
    /// Schemas by message type and version.
    public var schemas: [MessageKey: JSONSchema]
    /// The envelope every message travels in (`schemas/envelope.schema.json`).
    public var envelopeSchema: JSONSchema
    public var directory: URL

    public struct MessageKey: Sendable, Hashable, CustomStringConvertible {
        public var type: String
        public var version: Int
        public init(type: String, version: Int) { self.type = type; self.version = version }
        public var description: String { "\(type) v\(version)" }
    }

    /// This process's executable, whatever argv[0] says.
    public static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
    }

    public static let definitionsFile = "definitions.json"
    public static let workersFile = "workers.json"
    public static let schemasDirectory = "schemas"
    public static let envelopeSchemaFile = "envelope.schema.json"

    /// Loads `directory` and checks that the pieces agree; throws a `TopologyError` listing
    /// every problem.
    public static func load(from directory: URL) throws -> Topology {
        func read<T: Decodable>(_ type: T.Type, _ file: String) throws -> T {
            let url = directory.appendingPathComponent(file)
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw TopologyError(problems: ["cannot read \(url.path): \(error.localizedDescription)"])
            }
            do { return try JSONDecoder().decode(T.self, from: data) } catch {
                throw TopologyError(problems: ["\(url.path) is not valid: \(error)"])
            }
        }
        let definitions = try read(BrokerDefinitions.self, definitionsFile)
        let workers = try read(WorkerCatalog.self, workersFile)
        let schemaDirectory = directory.appendingPathComponent(schemasDirectory)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: schemaDirectory.path)) ?? []
        var documents: [String: JSONValue] = [:]
        var problems: [String] = []
        for file in files where file.hasSuffix(".json") {
            do {
                documents[file] = try JSONValue.parse(Data(contentsOf: schemaDirectory.appendingPathComponent(file)))
            } catch {
                problems.append("schemas/\(file) is not valid JSON: \(error)")
            }
        }
        var schemas: [MessageKey: JSONSchema] = [:]
        for (file, document) in documents {
            // Message schemas are named TYPE.vVERSION.json; other files are shared definitions.
            guard let match = file.wholeMatch(of: /(.+)\.v(\d+)\.json/), let version = Int(match.2) else { continue }
            do {
                schemas[MessageKey(type: String(match.1), version: version)] =
                    try JSONSchema(name: file, root: document, siblings: documents)
            } catch {
                problems.append("schemas/\(file): \(error)")
            }
        }
        var envelopeSchema: JSONSchema?
        if let document = documents[envelopeSchemaFile] {
            do { envelopeSchema = try JSONSchema(name: envelopeSchemaFile, root: document, siblings: documents) } catch {
                problems.append("schemas/\(envelopeSchemaFile): \(error)")
            }
        } else {
            problems.append("schemas/\(envelopeSchemaFile) is missing")
        }
        guard let envelopeSchema else { throw TopologyError(problems: problems) }
        let topology = Topology(
            definitions: definitions, workers: workers, schemas: schemas, envelopeSchema: envelopeSchema,
            directory: directory)
        problems += topology.consistencyProblems()
        guard problems.isEmpty else { throw TopologyError(problems: problems) }
        return topology
    }

    /// Finds `Topology/`: `REMIT_TOPOLOGY_DIR` when given, else `./Topology`, else the one beside the
    /// executable or in the source checkout it was built from. The executable is found through
    /// `/proc/self/exe`, so this works when `remit` was started from `PATH` (argv[0] is then a bare name).
    public static func locate(explicit: String?, executablePath: String = Topology.executablePath) -> URL {
        if let explicit, !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        let local = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Topology")
        if FileManager.default.fileExists(atPath: local.appendingPathComponent(definitionsFile).path) { return local }
        var candidate = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = candidate.deletingLastPathComponent().appendingPathComponent("share/remit/Topology")
        if FileManager.default.fileExists(atPath: installed.appendingPathComponent(definitionsFile).path) { return installed }
        for _ in 0..<5 {
            let topology = candidate.appendingPathComponent("Topology")
            if FileManager.default.fileExists(atPath: topology.appendingPathComponent(definitionsFile).path) { return topology }
            candidate.deleteLastPathComponent()
        }
        return local
    }

    public func kind(named name: String) throws -> WorkerKindSpec {
        guard let kind = workers.kinds.first(where: { $0.name == name }) else {
            throw TopologyError(problems: [
                "unknown worker kind '\(name)'; known kinds: \(workers.kinds.map(\.name).joined(separator: ", "))"
            ])
        }
        return kind
    }

    public func queue(named name: String) -> QueueDefinition? {
        definitions.queues.first { $0.name == name }
    }

    /// The retry delay of a retry queue, from its message TTL.
    public func retryDelayMilliseconds(queue: String) -> Int64? {
        self.queue(named: queue)?.arguments["x-message-ttl"]?.intValue
    }

    /// Latest schema version known for a message type.
    public func latestVersion(of type: String) -> Int? {
        schemas.keys.filter { $0.type == type }.map(\.version).max()
    }

    func consistencyProblems() -> [String] {
        let exchanges = Set(definitions.exchanges.map(\.name))
        let queues = Dictionary(definitions.queues.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var problems = definitionProblems(exchanges: exchanges, queues: queues)
        for kind in workers.kinds {
            let label = "worker kind '\(kind.name)'"
            guard let work = queues[kind.queue] else {
                problems.append("\(label): work queue '\(kind.queue)' is not declared"); continue
            }
            problems += workQueueProblems(of: kind, work: work, queues: queues).map { "\(label): \($0)" }
            problems += settingProblems(of: kind).map { "\(label): \($0)" }
            problems += retryProblems(of: kind, queues: queues).map { "\(label): \($0)" }
            problems += messageProblems(of: kind).map { "\(label): \($0)" }
        }
        for type in workers.publicCommands ?? [] {
            let consumed = workers.kinds.contains { $0.consumes.contains(type) }
            if latestVersion(of: type) == nil || !consumed {
                problems.append("public command '\(type)' needs a schema and a kind that consumes it")
            }
        }
        return problems
    }

    /// definitions.json on its own, and the exchanges workers.json names.
    private func definitionProblems(exchanges: Set<String>, queues: [String: QueueDefinition]) -> [String] {
        var problems: [String] = []
        if definitions.queues.count != queues.count { problems.append("definitions.json names a queue twice") }
        for name in [workers.exchange, workers.deadLetterExchange] where !exchanges.contains(name) {
            problems.append("workers.json names exchange '\(name)', which definitions.json does not declare")
        }
        for binding in definitions.bindings {
            if !binding.source.isEmpty && !exchanges.contains(binding.source) {
                problems.append("binding from unknown exchange '\(binding.source)'")
            }
            if binding.destinationType == "queue" && queues[binding.destination] == nil {
                problems.append("binding to unknown queue '\(binding.destination)'")
            }
        }
        for queue in definitions.queues where queue.arguments["x-queue-type"]?.stringValue != "quorum" {
            problems.append("queue '\(queue.name)' must be a quorum queue (x-queue-type: quorum)")
        }
        return problems
    }

    /// A kind's work queue and where it dead-letters to.
    private func workQueueProblems(of kind: WorkerKindSpec, work: QueueDefinition, queues: [String: QueueDefinition]) -> [String] {
        var problems: [String] = []
        if work.arguments["x-delivery-limit"]?.intValue == nil {
            problems.append("work queue '\(kind.queue)' needs x-delivery-limit")
        }
        if work.arguments["x-dead-letter-exchange"]?.stringValue != workers.deadLetterExchange {
            problems.append("work queue '\(kind.queue)' must dead-letter to '\(workers.deadLetterExchange)'")
        }
        if work.arguments["x-dead-letter-strategy"]?.stringValue == "at-least-once",
            work.arguments["x-overflow"]?.stringValue != "reject-publish"
        {
            problems.append("at-least-once dead-lettering on '\(kind.queue)' needs x-overflow: reject-publish")
        }
        if queues[kind.deadLetterQueue] == nil {
            problems.append("dead-letter queue '\(kind.deadLetterQueue)' is not declared")
        }
        let deadLetterKey = work.arguments["x-dead-letter-routing-key"]?.stringValue ?? kind.queue
        if deadLetterKey != kind.queue {
            problems.append("work queue '\(kind.queue)' must dead-letter with routing key '\(kind.queue)'")
        }
        if !definitions.bindings.contains(where: {
            $0.source == workers.deadLetterExchange
                && $0.destination == kind.deadLetterQueue && $0.routingKey == kind.queue
        }) {
            problems.append("no binding routes '\(kind.queue)' on '\(workers.deadLetterExchange)' to '\(kind.deadLetterQueue)'")
        }
        return problems
    }

    /// A kind's store, schedule, consumers and prefetch.
    private func settingProblems(of kind: WorkerKindSpec) -> [String] {
        var problems: [String] = []
        if !["channel", "hq"].contains(kind.storeName) {
            problems.append("store must be 'channel' or 'hq', not '\(kind.storeName)'")
        }
        if let schedule = kind.scheduleSeconds, schedule < 1 {
            problems.append("scheduleSeconds must be at least 1")
        }
        if kind.consumers < 1 || kind.prefetch < 1 || kind.prefetch > 65_535 {
            problems.append("consumers must be ≥ 1 and prefetch within 1…65535")
        }
        return problems
    }

    /// A kind's retry tiers: declared, with a delay, dead-lettering back to the work queue.
    private func retryProblems(of kind: WorkerKindSpec, queues: [String: QueueDefinition]) -> [String] {
        var problems: [String] = []
        for (index, retry) in kind.retryQueues.enumerated() {
            guard let queue = queues[retry] else {
                problems.append("retry tier \(index + 1) queue '\(retry)' is not declared"); continue
            }
            if queue.arguments["x-message-ttl"]?.intValue == nil {
                problems.append("retry queue '\(retry)' needs x-message-ttl (its delay)")
            }
            if queue.arguments["x-dead-letter-exchange"]?.stringValue != ""
                || queue.arguments["x-dead-letter-routing-key"]?.stringValue != kind.queue
            {
                problems.append("retry queue '\(retry)' must dead-letter to '' with routing key '\(kind.queue)'")
            }
        }
        return problems
    }

    /// What a kind publishes and consumes: each type with a schema and a binding.
    private func messageProblems(of kind: WorkerKindSpec) -> [String] {
        var problems: [String] = []
        for type in kind.publishedTypes {
            if latestVersion(of: type) == nil { problems.append("it publishes '\(type)', which has no schema") }
            if !definitions.bindings.contains(where: { $0.source == workers.exchange && $0.routingKey == type }) {
                problems.append("it publishes '\(type)', which no binding on '\(workers.exchange)' routes")
            }
        }
        for type in kind.consumes {
            if latestVersion(of: type) == nil { problems.append("message type '\(type)' has no schema") }
            if !definitions.bindings.contains(where: {
                $0.source == workers.exchange && $0.destination == kind.queue
                    && $0.routingKey == type
            }) {
                problems.append("no binding routes '\(type)' from '\(workers.exchange)' to '\(kind.queue)'")
            }
        }
        return problems
    }
}
