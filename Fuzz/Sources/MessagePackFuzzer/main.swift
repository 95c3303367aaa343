// libFuzzer target for the MessagePack codec (see Fuzz/Package.swift for the commands).
// Any bytes: reading never crashes; a value that reads writes back to bytes that read as the
// same value (and, being the smallest encoding, write again to the same bytes); decoding into a
// Codable model and encoding it again never crashes.
import Foundation
import Glibc
import MessagePack

/// Decodes through keyed, unkeyed and single-value containers as generated models do.
indirect enum AnyModel: Codable {
    case null, bool(Bool), int(Int64), double(Double), string(String), data(Data), array([AnyModel]), object([String: AnyModel])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode(Data.self) { self = .data(value) }
        else if let value = try? container.decode([AnyModel].self) { self = .array(value) }
        else { self = .object(try container.decode([String: AnyModel].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .data(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

func fuzzOne(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = count == 0 ? [] : Array(UnsafeBufferPointer(start: start, count: count))
    let limits = MessagePackLimits(maximumDepth: 32, maximumByteLength: 1 << 16, maximumContainerCount: 1 << 12)
    guard let value = try? MessagePackReader.value(from: bytes, limits: limits) else { return 0 }
    guard let written = try? MessagePackWriter.bytes(of: value) else { preconditionFailure("a read value did not write") }
    guard let reread = try? MessagePackReader.value(from: written, limits: limits) else { preconditionFailure("written bytes did not read") }
    precondition(reread == value, "round trip changed the value")
    precondition((try? MessagePackWriter.bytes(of: reread)) == written, "writing is not deterministic")
    if let model = try? MessagePackDecoder(limits: limits).decode(AnyModel.self, from: value) {
        _ = try? MessagePackEncoder().encode(model)
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv) { fuzzOne($0, $1) })
