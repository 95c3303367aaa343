import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `URLSession` delegate that refuses every redirect: the task completes with the 3xx answer
/// itself, which the client then reports as an HTTP error.
///
/// The client checks each URL before it sends a request (plain `http` only to loopback, the
/// credential only to configured hosts, `ForeignHostPolicy`); a redirect followed by the session
/// would skip those checks and could carry the `Authorization` header elsewhere. `URLSession.shared`
/// follows redirects, so the default transport on Apple platforms runs on `QueueURLSession.shared`
/// instead. Compiled on every platform (FoundationNetworking has the same delegate) so it is tested
/// on Linux too.
public final class RedirectRefusingDelegate: NSObject, URLSessionTaskDelegate, Sendable {
    /// A delegate; it holds no state, so one can serve any number of sessions.
    override public init() {}

    /// Answers `nil`: the redirect is not followed.
    public func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

/// The `URLSession` of the default transport on Apple platforms.
public enum QueueURLSession {
    /// A session with the default configuration whose delegate refuses redirects; pass it to
    /// `URLSessionTransport(configuration: .init(session:))` when building a transport by hand.
    public static let shared: URLSession = makeSession()

    /// A new session like `shared`, from `configuration` (timeouts, caches, proxies).
    public static func makeSession(_ configuration: URLSessionConfiguration = .default) -> URLSession {
        URLSession(configuration: configuration, delegate: RedirectRefusingDelegate(), delegateQueue: nil)
    }
}
