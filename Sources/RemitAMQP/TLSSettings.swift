import Foundation

/// How a connection speaks TLS: whom it trusts, what it presents, what it checks. Read from the
/// query of an `amqps://` (or `https://`) URL with RabbitMQ's parameter names
/// (<https://www.rabbitmq.com/uri-query-parameters.html>): `cacertfile`, `certfile`, `keyfile`,
/// `verify` and `server_name_indication`.
public struct TLSSettings: Sendable, Equatable {
    /// PEM file of the certificate authorities the server's certificate must chain to; nil: the
    /// system's trust store.
    public var caFile: String?
    /// PEM client certificate (with its chain) and its unencrypted PEM key, presented when the
    /// server asks for one; both or neither.
    public var certificateFile: String?
    public var keyFile: String?
    /// `verify_peer` (the default): the server's certificate must chain to a trusted CA and name the
    /// host. False is `verify_none`: anyone in the middle can read and change the traffic.
    public var verifyPeer: Bool
    /// The name sent as SNI and checked against the server's certificate; nil: the URL's host.
    public var serverName: String?

    public init(
        caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, verifyPeer: Bool = true,
        serverName: String? = nil
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.verifyPeer = verifyPeer
        self.serverName = serverName
    }

    /// The query parameters `take(parameter:…)` takes.
    public static let parameterNames = ["cacertfile", "certfile", "keyfile", "verify", "server_name_indication"]

    /// Takes one query parameter; false when `name` is none of `parameterNames`. Throws a
    /// sentence saying what is wrong with the value.
    mutating func apply(parameter name: String, value: String?) throws(TLSSettingsError) -> Bool {
        func path() throws(TLSSettingsError) -> String {
            guard let value, !value.isEmpty else { throw TLSSettingsError("\(name) needs a file path") }
            return value
        }
        switch name {
        case "cacertfile": caFile = try path()
        case "certfile": certificateFile = try path()
        case "keyfile": keyFile = try path()
        case "verify":
            switch value {
            case "verify_peer": verifyPeer = true
            case "verify_none": verifyPeer = false
            default: throw TLSSettingsError("verify must be verify_peer or verify_none")
            }
        case "server_name_indication":
            guard let value, !value.isEmpty,
                value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.:".contains($0)) })
            else { throw TLSSettingsError("server_name_indication must be a host name") }
            serverName = value
        default:
            return false
        }
        return true
    }

    /// Takes a query parameter the URL's own parser does not know: a TLS one — an error on a URL
    /// without TLS, whose TLS scheme `tlsScheme` names — else the error for an unknown parameter.
    public mutating func take(
        parameter name: String, value: String?, urlIsTLS: Bool, tlsScheme: String, otherKnown: [String]
    ) throws(TLSSettingsError) {
        guard try apply(parameter: name, value: value) else {
            throw TLSSettingsError(Self.unknownParameter(name, otherKnown: otherKnown))
        }
        guard urlIsTLS else { throw TLSSettingsError("\(name) is a TLS parameter: use \(tlsScheme)://") }
    }

    /// Why a URL's query cannot be read, or nil: an '@' after '?' or '#' means a '?' or '#' in the
    /// password ended the user-info early, and what looks like a parameter is part of the password.
    public static func queryProblem(_ components: URLComponents) -> String? {
        let spilled = (components.percentEncodedQuery ?? "").contains("@") || (components.percentEncodedFragment ?? "").contains("@")
        return spilled ? "an '@' after '?' or '#': write '?', '#' and '@' in a user name, password or parameter as %3F, %23, %40" : nil
    }

    /// "unknown query parameter 'x'; known: …", naming the parameter only when it looks like a name
    /// (in a mistyped URL the query may hold part of a password).
    static func unknownParameter(_ name: String, otherKnown: [String]) -> String {
        let isNameShaped =
            !name.isEmpty && name.count <= 40 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        let shown = isNameShaped ? "'\(name)'" : "(not shown: it is no parameter name)"
        return "unknown query parameter \(shown); known: \((otherKnown + parameterNames).joined(separator: ", "))"
    }

    /// Checks what can be checked before connecting: a client certificate comes with its key, and
    /// every file named can be read. (Whether OpenSSL accepts their contents shows on connecting.)
    public func validate() throws(TLSSettingsError) {
        switch (certificateFile, keyFile) {
        case (.some, nil): throw TLSSettingsError("certfile needs keyfile (the client certificate's private key)")
        case (nil, .some): throw TLSSettingsError("keyfile needs certfile (the client certificate)")
        default: break
        }
        for (parameter, file) in [("cacertfile", caFile), ("certfile", certificateFile), ("keyfile", keyFile)] {
            guard let file else { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
                throw TLSSettingsError("\(parameter) \(file) does not exist")
            }
            guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: file) else {
                throw TLSSettingsError("\(parameter) \(file) is not a readable file")
            }
        }
    }
}
