#!/usr/bin/env node
// http-api.mjs PORTFILE — a small JSON API on 127.0.0.1 (random port, written to
// PORTFILE) for art-tool's http tool tests:
//   GET  /items/{id}?verbose=   -> {"id", "verbose"}
//   POST /orders (JSON body)    -> 201 {"order": body}; needs Authorization: Bearer s3cret
//   GET  /broken                -> 500 {"error": "broken"}
//   GET  /notjson               -> 200 text
import http from "node:http";
import { writeFileSync } from "node:fs";
const srv = http.createServer((req, res) => {
  const u = new URL(req.url, "http://x");
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const json = (code, v) => { res.writeHead(code, { "content-type": "application/json" }); res.end(JSON.stringify(v)); };
    let m;
    if (req.method === "GET" && (m = u.pathname.match(/^\/items\/([^/]+)$/)))
      return json(200, { id: decodeURIComponent(m[1]), verbose: u.searchParams.get("verbose") });
    if (req.method === "POST" && u.pathname === "/orders") {
      if (req.headers.authorization !== "Bearer s3cret") return json(401, { error: "unauthorized" });
      return json(201, { order: JSON.parse(body || "null") });
    }
    if (u.pathname === "/broken") return json(500, { error: "broken" });
    if (u.pathname === "/notjson") { res.writeHead(200, { "content-type": "text/plain" }); return res.end("hello"); }
    json(404, { error: "no route" });
  });
});
srv.listen(0, "127.0.0.1", () => writeFileSync(process.argv[2], String(srv.address().port)));
process.on("SIGTERM", () => process.exit(0));
