#!/usr/bin/env node
// mcp-misbehave.mjs — a small MCP stdio server (plain JSON-RPC lines, no SDK) whose
// tools misbehave on purpose, for art-tool's client tests:
//   chatty  interleaves log notifications and a ping request before its answer
//   fail    answers with isError: true
//   hang    never answers (and stops answering pings)
//   crash   writes to stderr and exits with status 7
// MISBEHAVE_VERSION forces the protocolVersion it answers with (default: the client's).
// MISBEHAVE_STARTS names a file that gets one line per start.
import { createInterface } from "node:readline";
import { appendFileSync } from "node:fs";

if (process.env.MISBEHAVE_STARTS) appendFileSync(process.env.MISBEHAVE_STARTS, `${process.pid}\n`);
let hung = false;
let pingSeen = false;
const send = (m) => process.stdout.write(JSON.stringify(m) + "\n");
const tools = ["chatty", "fail", "hang", "crash"].map((name) => ({
  name,
  description: `misbehaves: ${name}`,
  inputSchema: { type: "object", properties: { text: { type: "string" } } },
}));
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let m;
  try { m = JSON.parse(line); } catch { return; }
  if (m.id === "srv-ping" && m.result) { pingSeen = true; return; }
  if (hung) return;
  if (m.method === "initialize") {
    send({ jsonrpc: "2.0", id: m.id, result: {
      protocolVersion: process.env.MISBEHAVE_VERSION || m.params.protocolVersion,
      capabilities: { tools: {} }, serverInfo: { name: "misbehave", version: "1" } } });
  } else if (m.method === "ping") {
    send({ jsonrpc: "2.0", id: m.id, result: {} });
  } else if (m.method === "tools/list") {
    send({ jsonrpc: "2.0", id: m.id, result: { tools } });
  } else if (m.method === "tools/call") {
    const name = m.params.name;
    if (name === "chatty") {
      for (let i = 0; i < 3; i++)
        send({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: `note ${i}` } });
      send({ jsonrpc: "2.0", id: "srv-ping", method: "ping" });
      send("not even an object");
      // answer once the client has answered our ping
      const t0 = Date.now();
      const wait = () => {
        if (pingSeen || Date.now() - t0 > 2000)
          send({ jsonrpc: "2.0", id: m.id, result: { content: [{ type: "text", text: `chatty: ${m.params.arguments.text} (ping answered: ${pingSeen})` }] } });
        else setTimeout(wait, 5);
      };
      wait();
    } else if (name === "fail") {
      send({ jsonrpc: "2.0", id: m.id, result: { isError: true, content: [{ type: "text", text: "it failed on purpose" }] } });
    } else if (name === "hang") {
      hung = true;
    } else if (name === "crash") {
      process.stderr.write("fatal: crash requested\n");
      process.exit(7);
    } else {
      send({ jsonrpc: "2.0", id: m.id, error: { code: -32602, message: `unknown tool ${name}` } });
    }
  } else if (m.id !== undefined) {
    send({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "method not found" } });
  }
});
rl.on("close", () => process.exit(0));
