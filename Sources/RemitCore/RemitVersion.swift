/// The version `remit --version` prints; raised with each release.
public enum RemitVersion {
    public static let current = "0.4.0"
}
