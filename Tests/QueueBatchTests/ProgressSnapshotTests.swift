import Foundation
@testable import QueueBatch
import Testing

/// The progress line people read and the JSON object machines read, for known counts.
@Suite("Progress line and JSON")
struct ProgressSnapshotTests {
    /// A snapshot of a run: `done` is `doneBefore` plus this run's completed, failed and unknown rows.
    static func snapshot(
        total: Int, doneBefore: Int = 0, completed: Int, failed: Int = 0, unknown: Int = 0, retried: Int = 0, inFlight: Int, elapsed: Double
    ) -> ProgressSnapshot {
        var snapshot = ProgressSnapshot()
        snapshot.total = total
        snapshot.doneBefore = doneBefore
        snapshot.completed = completed
        snapshot.failed = failed
        snapshot.unknown = unknown
        snapshot.retried = retried
        snapshot.inFlight = inFlight
        snapshot.elapsedSeconds = elapsed
        return snapshot
    }

    /// The JSON object's members, parsed.
    static func parsed(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test("Done/total, rate, ETA in seconds, in flight, failures")
    func lineWithFailures() throws {
        // 812 rows finished in 4 s: 203/s; 9,188 left: 45.3 s.
        let snapshot = Self.snapshot(total: 10_000, completed: 810, failed: 2, retried: 3, inFlight: 16, elapsed: 4)
        #expect(snapshot.done == 812)
        #expect(snapshot.line == "812/10000 done · 203.0/s · ETA 45s · 16 in flight · 2 failed")
        #expect(
            snapshot.json
                == #"{"done":812,"total":10000,"completed":810,"failed":2,"unknown":0,"retried":3,"in_flight":16,"rate":203.00,"eta_seconds":45}"#)
        let object = try Self.parsed(snapshot.json)
        #expect(object["done"] as? Int == 812)
        #expect(object["in_flight"] as? Int == 16)
        #expect(object["rate"] as? Double == 203)
    }

    @Test("Before anything finished: no rate, no ETA (null in JSON)")
    func nothingFinishedYet() throws {
        let snapshot = Self.snapshot(total: 12, completed: 0, inFlight: 4, elapsed: 3)
        #expect(snapshot.line == "0/12 done · 0.0/s · 4 in flight")
        let object = try Self.parsed(snapshot.json)
        #expect(object["eta_seconds"] is NSNull)
        #expect(object["done"] as? Int == 0)
        #expect(object["total"] as? Int == 12)
    }

    @Test("A resumed run: rows done before count in done/total, not in the rate")
    func resumed() throws {
        // 400 done before; this run finished 90 + 1 unknown in 7 s: 13/s; 509 left: 39.2 s.
        let snapshot = Self.snapshot(total: 1_000, doneBefore: 400, completed: 90, unknown: 1, inFlight: 8, elapsed: 7)
        #expect(snapshot.line == "491/1000 done · 13.0/s · ETA 39s · 8 in flight · 1 unknown")
        let object = try Self.parsed(snapshot.json)
        #expect(object["done"] as? Int == 491)
        #expect(object["completed"] as? Int == 90)
        #expect(object["unknown"] as? Int == 1)
        #expect(object["eta_seconds"] as? Int == 39)
    }

    @Test("ETA in minutes and seconds, and in hours and minutes")
    func etaFormats() {
        // 10/s, 900 left: 90 s.
        #expect(Self.snapshot(total: 1_000, completed: 100, inFlight: 1, elapsed: 10).line == "100/1000 done · 10.0/s · ETA 1m30s · 1 in flight")
        // 10/s, 596 left: 59.6 s rounds to a whole minute.
        #expect(
            Self.snapshot(total: 696, completed: 99, failed: 1, inFlight: 0, elapsed: 10).line
                == "100/696 done · 10.0/s · ETA 1m00s · 0 in flight · 1 failed")
        // 1/s, 99,990 left: 27 h 46 min 30 s.
        let long = Self.snapshot(total: 100_000, completed: 10, inFlight: 32, elapsed: 10)
        #expect(long.line == "10/100000 done · 1.0/s · ETA 27h46m · 32 in flight")
        #expect(long.json.hasSuffix(#""rate":1.00,"eta_seconds":99990}"#))
    }

    @Test("Everything done: ETA 0s")
    func finished() throws {
        let snapshot = Self.snapshot(total: 50, completed: 48, failed: 1, unknown: 1, inFlight: 0, elapsed: 2.5)
        #expect(snapshot.line == "50/50 done · 20.0/s · ETA 0s · 0 in flight · 1 failed · 1 unknown")
        #expect(try Self.parsed(snapshot.json)["eta_seconds"] as? Int == 0)
    }
}
