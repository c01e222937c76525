/// How a transfer's TLS is checked: the CA file to trust (nil: the system's trust store), a client
/// certificate and key, and whether the peer's certificate and name are verified.
public struct CurlTLSOptions: Sendable, Equatable {
    public var caFile: String?
    public var certificateFile: String?
    public var keyFile: String?
    public var verifyPeer: Bool

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, verifyPeer: Bool = true) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.verifyPeer = verifyPeer
    }
}
