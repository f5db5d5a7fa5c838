// Preloaded into cxgraph by scenario 10 (`node --expose-gc --import bench/lib/gc-on-signal.mjs …`): SIGUSR2 runs a
// full garbage collection, so the memory read right after it is what the process still holds, not garbage waiting.
process.on('SIGUSR2', () => globalThis.gc?.());
