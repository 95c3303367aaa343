// queuegen-benchmark: loader and generator figures, printed as a table.
//
//   swift run -c release queuegen-benchmark                 # the table
//   swift run -c release queuegen-benchmark --write DIR     # also writes the synthetic documents
//
// Timings are medians of several runs in one process, so ratios are comparable on a noisy machine.
import CYAML
import Foundation
import QueueGen
import QueueSpec

func median(_ runs: Int, _ body: () -> Void) -> Double {
    var times: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
}

/// libyaml alone: every event parsed and freed, nothing built.
func parseWithLibyamlOnly(_ bytes: [UInt8]) -> Int {
    var parser = yaml_parser_t()
    yaml_parser_initialize(&parser)
    defer { yaml_parser_delete(&parser) }
    var events = 0
    bytes.withUnsafeBufferPointer { buffer in
        yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
        var event = yaml_event_t()
        while yaml_parser_parse(&parser, &event) != 0 {
            events += 1
            let done = event.type == YAML_STREAM_END_EVENT
            yaml_event_delete(&event)
            if done { break }
        }
    }
    return events
}

/// A fal-style JSON document of about `megabytes` MB (one endpoint with many bounded properties).
func largeDocument(megabytes: Int) -> [UInt8] {
    var text = ##"{"openapi": "3.0.4", "info": {"title": "Large", "version": "1"}, "paths": {"/acme/large": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}}}}}, "components": {"schemas": {"In": {"type": "object", "properties": {"##
    var index = 0
    while text.utf8.count < megabytes * 1_000_000 {
        if index > 0 { text += ",\n" }
        text += #""field_\#(index)": {"title": "Field \#(index)", "type": "integer", "minimum": 1, "maximum": \#(index + 10), "default": 4, "description": "The number of inference steps to perform.", "examples": [\#(index % 7)]}"#
        index += 1
    }
    return Array((text + "}}}}}\n").utf8)
}

/// `count` fal-style endpoints in one document: each its own input and output (the shape of
/// fal-ai/flux/schnell), sharing ImageSize and Image, with the four queue routes each. The
/// prompt fields' descriptions name the model, as real endpoints' documents differ: otherwise
/// every input would be identical to the first, and queuegen would declare one and alias the rest.
func syntheticDocument(endpoints count: Int) -> String {
    var paths: [String] = []
    var schemas: [String] = []
    for index in 0..<count {
        let id = "acme/model-\(index)"
        let input = "Model\(index)Input"
        let output = "Model\(index)Output"
        paths.append(#"""
            "/\#(id)": {"post": {"requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/\#(input)"}}}}, "responses": {"200": {"description": "queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/QueueStatus"}}}}}}},
            "/\#(id)/requests/{request_id}/status": {"get": {"parameters": [{"name": "request_id", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "logs", "in": "query", "required": false, "schema": {"type": "number"}}], "responses": {"200": {"description": "status", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/QueueStatus"}}}}}}},
            "/\#(id)/requests/{request_id}/cancel": {"put": {"parameters": [{"name": "request_id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "cancelled", "content": {"application/json": {"schema": {"type": "object", "properties": {"success": {"type": "boolean"}}}}}}}}},
            "/\#(id)/requests/{request_id}": {"get": {"parameters": [{"name": "request_id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "result", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/\#(output)"}}}}}}}
            """#)
        schemas.append(#"""
            "\#(input)": {"title": "TextToImageInput", "type": "object", "required": ["prompt"], "x-fal-order-properties": ["prompt", "num_inference_steps", "image_size", "seed", "guidance_scale", "sync_mode", "num_images", "enable_safety_checker", "output_format", "acceleration"], "properties": {
              "prompt": {"title": "Prompt", "type": "string", "description": "The prompt to generate an image from with model \#(index).", "examples": ["a tiger"]},
              "num_inference_steps": {"title": "Num Inference Steps", "type": "integer", "minimum": 1, "maximum": 12, "default": 4, "description": "The number of inference steps to perform."},
              "image_size": {"title": "Image Size", "anyOf": [{"$ref": "#/components/schemas/ImageSize"}, {"type": "string", "enum": ["square_hd", "square", "portrait_4_3", "portrait_16_9", "landscape_4_3", "landscape_16_9"]}], "default": "landscape_4_3", "description": "The size of the generated image."},
              "seed": {"title": "Seed", "anyOf": [{"type": "integer"}, {"type": "null"}], "description": "The same seed and the same prompt given to the same version of the model will output the same image every time."},
              "guidance_scale": {"title": "Guidance scale (CFG)", "type": "number", "minimum": 1, "maximum": 20, "default": 3.5, "description": "How close you want the model to stick to your prompt."},
              "sync_mode": {"title": "Sync Mode", "type": "boolean", "default": false, "description": "If true, the media is returned as a data URI."},
              "num_images": {"title": "Num Images", "type": "integer", "minimum": 1, "maximum": 4, "default": 1, "description": "The number of images to generate."},
              "enable_safety_checker": {"title": "Enable Safety Checker", "type": "boolean", "default": true, "description": "If set to true, the safety checker will be enabled."},
              "output_format": {"title": "Output Format", "type": "string", "enum": ["jpeg", "png"], "default": "jpeg", "description": "The format of the generated image."},
              "acceleration": {"title": "Acceleration", "type": "string", "enum": ["none", "regular", "high"], "default": "none", "description": "The speed of the generation."}}},
            "\#(output)": {"title": "Output", "type": "object", "required": ["images", "timings", "seed", "has_nsfw_concepts", "prompt"], "properties": {
              "images": {"title": "Images", "type": "array", "items": {"$ref": "#/components/schemas/Image"}, "description": "The generated image files info."},
              "timings": {"title": "Timings", "type": "object", "additionalProperties": {"type": "number"}},
              "seed": {"title": "Seed", "type": "integer", "description": "Seed of the generated Image."},
              "has_nsfw_concepts": {"title": "Has Nsfw Concepts", "type": "array", "items": {"type": "boolean"}, "description": "Whether the generated images contain NSFW concepts."},
              "prompt": {"title": "Prompt", "type": "string", "description": "The prompt model \#(index) used for generating the image."}}}
            """#)
    }
    return #"""
        {"openapi": "3.1.0", "info": {"title": "Synthetic queue document", "version": "1.0.0"},
         "servers": [{"url": "https://queue.fal.run"}],
         "paths": {
        \#(paths.joined(separator: ",\n"))
         },
         "components": {"schemas": {
          "QueueStatus": {"type": "object", "required": ["status", "request_id"], "properties": {"status": {"type": "string", "enum": ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]}, "request_id": {"type": "string"}, "response_url": {"type": "string"}, "status_url": {"type": "string"}, "cancel_url": {"type": "string"}, "logs": {"type": "object", "additionalProperties": true}, "metrics": {"type": "object", "additionalProperties": true}, "queue_position": {"type": "integer"}}},
          "ImageSize": {"title": "ImageSize", "type": "object", "properties": {"width": {"title": "Width", "type": "integer", "exclusiveMinimum": 0, "maximum": 14142, "default": 512}, "height": {"title": "Height", "type": "integer", "exclusiveMinimum": 0, "maximum": 14142, "default": 512}}},
          "Image": {"title": "Image", "type": "object", "required": ["url", "width", "height"], "properties": {"url": {"type": "string"}, "width": {"type": "integer"}, "height": {"type": "integer"}, "content_type": {"type": "string", "default": "image/jpeg"}}},
        \#(schemas.joined(separator: ",\n"))
         }}}
        """#
}

func lines(_ files: [GeneratedFile]) -> Int {
    files.reduce(0) { $0 + $1.contents.split(separator: "\n", omittingEmptySubsequences: false).count - 1 }
}

let arguments = CommandLine.arguments
if let index = arguments.firstIndex(of: "--write"), index + 1 < arguments.count {
    let directory = arguments[index + 1]
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for count in [1, 100, 500] {
        try syntheticDocument(endpoints: count).write(toFile: "\(directory)/synthetic-\(count).json", atomically: true, encoding: .utf8)
    }
    print("wrote synthetic-1.json, synthetic-100.json, synthetic-500.json to \(directory)")
}

var rows: [(String, String)] = []

// Loader: 10 MB.
let large = largeDocument(megabytes: 10)
var events = 0
let libyamlTime = median(5) { events = parseWithLibyamlOnly(large) }
let readerTime = median(5) { _ = YAMLReader.read(large, file: "large.json") }
var loaded: LoadResult?
let loaderTime = median(5) { loaded = SpecLoader.load(bytes: large, file: "large.json") }
precondition((try? loaded!.get()) != nil, "the large document must load")
rows.append(("10 MB document: libyaml events only (\(events) events)", String(format: "%.3f s", libyamlTime)))
rows.append(("10 MB document: YAMLReader (located tree)", String(format: "%.3f s  (%.2f× libyaml)", readerTime, readerTime / libyamlTime)))
rows.append(("10 MB document: SpecLoader (tree + spec model)", String(format: "%.3f s  (%.2f× libyaml)", loaderTime, loaderTime / libyamlTime)))

// Generator: one endpoint (the checked-in spec) and 500 synthetic endpoints.
for count in [1, 500] {
    let bytes = Array(syntheticDocument(endpoints: count).utf8)
    var files: [GeneratedFile] = []
    let time = median(count == 1 ? 21 : 5) {
        let document = try! SpecLoader.load(bytes: bytes, file: "synthetic-\(count).json").get()
        files = QueueGenerator.generate([document])
    }
    rows.append(("generate \(count) endpoint\(count == 1 ? "" : "s") (load + translate + render)", String(format: "%.4f s", time)))
    // Each phase alone, so a regression shows where it is.
    var document: SpecDocument?
    let loadTime = median(count == 1 ? 21 : 5) { document = try! SpecLoader.load(bytes: bytes, file: "synthetic-\(count).json").get() }
    var model: ModuleModel?
    let translateTime = median(count == 1 ? 21 : 5) { model = QueueGenerator.translate([document!]) }
    let renderTime = median(count == 1 ? 21 : 5) { _ = QueueGenerator.render(model!) }
    rows.append(("  load / translate / render", String(format: "%.4f / %.4f / %.4f s", loadTime, translateTime, renderTime)))
    rows.append(("  lines of Swift per endpoint (\(count))", String(format: "%.0f", Double(lines(files)) / Double(count))))
}

let width = rows.map(\.0.count).max()! + 2
print("| measure" + String(repeating: " ", count: width - 8) + " | result |")
print("|" + String(repeating: "-", count: width) + "|--------|")
for (name, value) in rows {
    print("| " + name + String(repeating: " ", count: width - name.count - 1) + "| " + value + " |")
}
