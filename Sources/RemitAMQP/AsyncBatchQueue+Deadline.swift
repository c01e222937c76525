extension AsyncBatchQueue {
    /// What arrives before `deadline`; empty when nothing did.
    public func nextBatch(until deadline: ContinuousClock.Instant) async throws -> [Element] {
        try await withThrowingTaskGroup(of: [Element]?.self) { group in
            group.addTask { try await self.nextBatch() }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            // The other child's result: a batch taken just as the timer fired is not dropped.
            var taken = first ?? []
            while let more = try? await group.next() { taken += more ?? [] }
            return taken
        }
    }
}
