// The first swift-openapi-generator generation in a fresh process that contains only it; prints its time.
import Foundation
import RunApple

let start = DispatchTime.now().uptimeNanoseconds
generateWithApple(CommandLine.arguments[1])
print(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
