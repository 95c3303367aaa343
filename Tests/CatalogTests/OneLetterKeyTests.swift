import FalVideo
import Foundation
import QueueRuntime
import QueueSimulator
import Testing

/// Redaction applies to what is shown, never to the URLs the client uses: with `FAL_KEY=k`, the
/// status URL of `fal-ai/kling-video/…` once became `…/fal-ai/%3Credacted%3Eling-video/…`, and the
/// status stream, the status poll and the cancel all got 404.
@Suite("A one-letter key")
struct OneLetterKeyTests {
    @Test("FAL_KEY=k runs fal-ai/kling-video/v2.1/pro/image-to-video end to end: stream, poll, result, cancel, download")
    func klingVideoWithKeyK() async throws {
        var configuration = SimulatorConfiguration()
        configuration.apiKey = "k"  // the simulator refuses any other key
        configuration.jobDuration = .milliseconds(50)
        configuration.seed = 12
        let document = catalogFolder.appendingPathComponent("video/fal-ai__kling-video__v2.1__pro__image-to-video.json").path
        let simulator = try QueueSimulator(configuration: configuration, documentFiles: [document])
        try await simulator.whileRunning { simulator in
            var clientConfiguration = QueueClient.Configuration(
                environment: [
                    "FAL_KEY": "k", "FAL_QUEUE_RUN_HOST": simulator.queueBaseURL.absoluteString,
                    "FAL_RUN_HOST": simulator.syncBaseURL.absoluteString, "FAL_STORAGE_HOST": simulator.storageBaseURL.absoluteString,
                ])
            clientConfiguration.statusUpdates.streamIdleTimeout = .seconds(10)
            let client = QueueClient(configuration: clientConfiguration)
            let input = KlingVideoV21ProImageToVideo.Input(prompt: "a kite over the lake", imageURL: .bytes(tinyPNG, contentType: "image/png"))

            let job = try await client.submit(.klingVideoV21ProImageToVideo, input)
            #expect(job.statusURL.absoluteString.contains("/fal-ai/kling-video/requests/"), "\(job.statusURL)")
            let streamed = try await client.waitForCompletion(job)
            #expect(streamed.isCompleted && !streamed.isFailed, "\(streamed)")
            let polled = try await client.status(job, logs: true)
            #expect(polled.isCompleted)
            let output = try await client.result(job)
            #expect(try await client.cancel(job) == .alreadyCompleted, "a 404 here would mean the cancel URL was altered")

            // The file through the client equals the file as served: downloads are not redacted.
            let url = try #require(URL(string: output.video.url))
            let (downloaded, _) = try await client.download(url)
            #expect(Array(downloaded) == (try await fetch(output.video.url)))
            #expect(downloaded.contains(UInt8(ascii: "k")), "the file holds the key's letter, so an altered download would show")

            // And `run`, the way most programs call it.
            let again = try await client.run(.klingVideoV21ProImageToVideo, input, timeout: .seconds(60))
            #expect(!again.video.url.isEmpty)
        }
    }
}
