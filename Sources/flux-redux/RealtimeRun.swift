import Foundation
import FluxRedux
import QueueRuntime

extension FluxReduxCommand {
    /// `--realtime`: one WebSocket session; each `--seed` is one input (none: one input without a
    /// seed), sent once the previous output arrived so the throttle drops none, and every output
    /// saved. The image goes inline (a data URI): realtime inputs carry no uploads.
    func runRealtime(client: QueueClient, base: Flux1SchnellRedux.Input, console: Console) async -> Outcome {
        let seeds: [Int64?] = seed.isEmpty ? [nil] : seed.map { $0 }
        let session: RealtimeSession<Flux1SchnellRedux.Input, Flux1SchnellRedux.Output>
        do {
            session = try client.realtime(.flux1SchnellRedux)
        } catch {
            return .failed("realtime: \(error)")
        }
        let work = Task { () -> Outcome in
            var results = session.results.makeAsyncIterator()
            var paths: [String] = []
            for (index, value) in seeds.enumerated() {
                do {
                    try await session.send(base.withSeed(value))
                } catch {
                    return .failed("realtime: \(error)")
                }
                switch await results.next() {
                case .success(let output)?:
                    do {
                        paths += try await save(output, requestID: "rt\(index + 1)", console: console, client: client)
                    } catch {
                        return .failed("realtime: \(Self.describe(error))")
                    }
                case .failure(let error)?:
                    return .failed("realtime: \(error)")
                case nil:
                    return .failed("realtime: no output within --timeout (\(timeout) s)")
                }
            }
            return .saved(paths)
        }
        let timer = Task {
            try? await Task.sleep(for: .seconds(timeout))
            work.cancel()
        }
        let outcome = await work.value
        timer.cancel()
        await session.close()
        return outcome
    }
}

extension Flux1SchnellRedux.Input {
    /// The same input with another seed.
    func withSeed(_ seed: Int64?) -> Self {
        Self(imageURL: imageURL, numInferenceSteps: numInferenceSteps, imageSize: imageSize, seed: seed, syncMode: syncMode,
             numImages: numImages, enableSafetyChecker: enableSafetyChecker, outputFormat: outputFormat, acceleration: acceleration)
    }
}
