#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// IP addresses as `inet_pton(3)` reads them.
public enum InternetAddress {
    /// The 4 bytes of an IPv4 address or the 16 of an IPv6 one, nil when `text` is neither.
    public static func bytes(of text: String) -> [UInt8]? {
        var storage = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, text, &storage) == 1 { return Array(storage.prefix(4)) }
        if inet_pton(AF_INET6, text, &storage) == 1 { return storage }
        return nil
    }
}
