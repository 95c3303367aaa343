import Crypto
import Foundation

/// The shared secret `queue-proxy`'s clients present, compared without timing leaks.
enum ClientToken {
    /// SHA-256 of the token: comparing digests makes the comparison's time independent of where
    /// the texts differ and of their lengths.
    static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }

    /// Equal-length byte arrays compared with no early exit.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
