import Foundation
import Logging
import Metrics
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore
import Synchronization

/// A consumer stopped on purpose (drain) before its batch was settled.
struct WorkerStopped: Error {}
