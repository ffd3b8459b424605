// bench.mjs MODEL THREADS PP TG — llama.cpp's prefill and decode speed on a GGUF file,
// through node-llama-cpp's prebuilt CPU libraries (the library picks the kernels for this
// CPU, as llama-bench would).  Same token ids and test shape as `art-bench infer`:
// prefill of PP tokens in one batch, then TG tokens decoded one at a time from an empty
// context, each after a one-token warm-up.  Prints one JSON line.
import {getLlama} from "node-llama-cpp";

const [model, threads, pp, tg] = [process.argv[2], +process.argv[3] || 2, +process.argv[4] || 128, +process.argv[5] || 64];
if (!model) {
	console.error("usage: node bench.mjs MODEL [THREADS] [PP] [TG]");
	process.exit(2);
}
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
let t0 = performance.now();
const m = await llama.loadModel({modelPath: model, gpuLayers: 0, useMmap: true});
const loadMs = performance.now() - t0;
const ctx = await m.createContext({contextSize: 2048, batchSize: 512, threads, sequences: 1});
const seq = ctx.getSequence();
const nv = 32000; // the bench shapes all use the llama SPM vocabulary
const toks = Array.from({length: pp + tg}, (_, i) => (i * 7919 + 13) % nv);
await seq.evaluateWithoutGeneratingNewTokens(toks.slice(0, 1));
await seq.clearHistory();
t0 = performance.now();
await seq.evaluateWithoutGeneratingNewTokens(toks.slice(0, pp));
const ppS = (performance.now() - t0) / 1000;
await seq.clearHistory();
t0 = performance.now();
for (let i = 0; i < tg; i++) await seq.evaluateWithoutGeneratingNewTokens([toks[i]]);
const tgS = (performance.now() - t0) / 1000;
console.log(JSON.stringify({
	bench: "llama.cpp", model: model.split("/").pop(), threads, load_ms: +loadMs.toFixed(1),
	test_pp: `pp${pp}`, pp_tok_s: +(pp / ppS).toFixed(2), test_tg: `tg${tg}`, tg_tok_s: +(tg / tgS).toFixed(2),
}));
process.exit(0);
