// tests/gguf-check.mjs FILE — parse a GGUF file with an independent reader
// (@huggingface/gguf) and print a summary JSON line: version, tensor count, each tensor's
// name/shape/dtype/offset, and selected metadata.  Used to check that our writer follows
// the spec (another implementation loads what we write).
import { gguf } from "@huggingface/gguf";
import path from "node:path";

const file = path.resolve(process.argv[2]);
const { metadata, tensorInfos } = await gguf(file, { allowLocalFile: true });
const keep = {};
for (const [k, v] of Object.entries(metadata)) {
	if (Array.isArray(v)) keep[k] = `array:${v.length}`;
	else keep[k] = typeof v === "bigint" ? Number(v) : v;
}
console.log(JSON.stringify({
	version: metadata.version,
	tensor_count: Number(metadata.tensor_count),
	kv_count: Number(metadata.kv_count),
	metadata: keep,
	tensors: tensorInfos.map((t) => ({
		name: t.name, shape: t.shape.map(Number), dtype: t.dtype, offset: Number(t.offset),
	})),
}));
