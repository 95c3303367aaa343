// SwiftPM builds a target only if it holds at least one Swift file: without one it drops the
// target before any plugin runs (then `no such module 'CatalogClients'`). This file is that one;
// a comment is enough. QueueGenPlugin generates the client (FluxSchnellRedux,
// KlingVideoV21ProImageToVideo, MireloAISfxV15VideoToAudio) from the ids in queuegen.yaml.
