// The first queuegen generation in a fresh process that contains only queuegen; prints its time.
import Foundation
import RunQueueGen

let start = DispatchTime.now().uptimeNanoseconds
generateWithQueueGen(CommandLine.arguments[1])
print(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
