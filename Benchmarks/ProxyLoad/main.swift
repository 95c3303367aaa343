// queue-proxy under load, over loopback (issue 21), in one run, against the local queue server:
//  1. status streams held open by the upstream through the proxy, the latency of ordinary
//     requests while they are open, and the proxy's memory per open stream;
//  2. jobs per second through the proxy against the same load sent directly;
//  3. clients following 8-second jobs through the proxy: how many fell back to polling;
//  4. connections stalled inside their request head: whether an honest request is still
//     answered, and how long the proxy takes to close them.
// The proxy is the built `queue-proxy` executable in a child process (measured apart); the
// upstream and the load run in this process.
//
//   swift build --product queue-proxy && swift build --product proxy-load-benchmark
//   .build/debug/proxy-load-benchmark [streams] [stalled] [parts]      # defaults: 1000 2000 1234

import Foundation
import QueueSimulator

print("proxy-load-benchmark: \(streamCount) streams, \(stalledCount) stalled connections, descriptor limit \(descriptorLimit)")
/// Which parts to run (`1234` by default; the third argument).
let parts = CommandLine.arguments.count > 3 ? CommandLine.arguments[3] : "1234"
var rows: [(String, String)] = []
if parts.contains("1") {
    print("1. status streams held open")
    rows += try await heldStreams()
}
if parts.contains("2") {
    print("2. jobs per second")
    rows += try await jobsPerSecond()
}
let followUpstream = try await simulator(jobDuration: .seconds(8), workers: 20, publicBase: falQueue)
if parts.contains("3") {
    print("3. clients following 8-second jobs")
    rows += try await followingClients(followUpstream: followUpstream)
}
if parts.contains("4") {
    print("4. stalled request heads")
    rows += try await stalledHeads(followUpstream: followUpstream)
}
await followUpstream.stop()
try await load.shutdown().get()
try await streamClient.shutdown().get()

print("\n| Measure | Value |\n|---|---|")
for (name, value) in rows { print("| \(name) | \(value) |") }
