#!/usr/bin/env node
// otlp-receiver.js — a small OTLP/HTTP JSON receiver for art-trace's tests.
//
//   node tests/otlp-receiver.js OUT_DIR [--fail-first N] [--status CODE]
//
// Listens on 127.0.0.1 on a free port chosen by the kernel and writes the port to
// OUT_DIR/port once listening.  Every POST /v1/traces body is checked against the OTLP
// JSON encoding (ExportTraceServiceRequest): resourceSpans > scopeSpans > spans, 32/16
// lowercase hex ids, decimal-string nanosecond timestamps, integer kind and status code,
// typed attribute values.  Valid requests are appended to OUT_DIR/requests.jsonl and
// answered 200 {"partialSuccess":{}}; invalid ones are logged to OUT_DIR/errors.txt and
// answered 400.  --fail-first N answers the first N requests with --status (default 503)
// to exercise the exporter's retries.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: otlp-receiver.js OUT_DIR [--fail-first N] [--status CODE]\n');
  process.exit(2);
}
let failFirst = 0, failStatus = 503;
for (let i = 3; i < process.argv.length; i++) {
  if (process.argv[i] === '--fail-first') failFirst = parseInt(process.argv[++i], 10);
  else if (process.argv[i] === '--status') failStatus = parseInt(process.argv[++i], 10);
}

const HEX32 = /^[0-9a-f]{32}$/, HEX16 = /^[0-9a-f]{16}$/, NANOS = /^[0-9]{1,20}$/, INT = /^-?[0-9]+$/;

function checkValue(v, where, errs) {
  if (typeof v !== 'object' || v === null) { errs.push(`${where}: value is not an object`); return; }
  const keys = Object.keys(v);
  if (keys.length !== 1) { errs.push(`${where}: value must have exactly one of stringValue/intValue/doubleValue/boolValue/arrayValue, got ${keys}`); return; }
  const k = keys[0], x = v[k];
  if (k === 'stringValue') { if (typeof x !== 'string') errs.push(`${where}: stringValue not a string`); }
  else if (k === 'intValue') { if (typeof x !== 'string' || !INT.test(x)) errs.push(`${where}: intValue must be a decimal string, got ${JSON.stringify(x)}`); }
  else if (k === 'doubleValue') { if (typeof x !== 'number') errs.push(`${where}: doubleValue not a number`); }
  else if (k === 'boolValue') { if (typeof x !== 'boolean') errs.push(`${where}: boolValue not a boolean`); }
  else if (k === 'arrayValue') {
    if (!x || !Array.isArray(x.values)) errs.push(`${where}: arrayValue.values missing`);
    else x.values.forEach((y, i) => checkValue(y, `${where}[${i}]`, errs));
  } else errs.push(`${where}: unknown value kind ${k}`);
}

function checkAttrs(attrs, where, errs) {
  if (attrs === undefined) return;
  if (!Array.isArray(attrs)) { errs.push(`${where}: attributes is not an array`); return; }
  const seen = new Set();
  attrs.forEach((a, i) => {
    if (typeof a.key !== 'string' || !a.key) errs.push(`${where}[${i}]: key missing`);
    if (seen.has(a.key)) errs.push(`${where}: duplicate key ${a.key}`);
    seen.add(a.key);
    checkValue(a.value, `${where}.${a.key}`, errs);
  });
}

function check(req) {
  const errs = [];
  if (!Array.isArray(req.resourceSpans) || !req.resourceSpans.length) return ['resourceSpans missing or empty'];
  req.resourceSpans.forEach((rs, i) => {
    checkAttrs(rs.resource && rs.resource.attributes, `resourceSpans[${i}].resource.attributes`, errs);
    if (!Array.isArray(rs.scopeSpans)) { errs.push(`resourceSpans[${i}].scopeSpans missing`); return; }
    rs.scopeSpans.forEach((ss, j) => {
      if (!ss.scope || typeof ss.scope.name !== 'string') errs.push(`scopeSpans[${j}].scope.name missing`);
      if (!Array.isArray(ss.spans)) { errs.push(`scopeSpans[${j}].spans missing`); return; }
      ss.spans.forEach((s, k) => {
        const w = `span[${k}] ${s.name}`;
        if (!HEX32.test(s.traceId || '')) errs.push(`${w}: traceId not 32 lowercase hex`);
        if (!HEX16.test(s.spanId || '')) errs.push(`${w}: spanId not 16 lowercase hex`);
        if (s.parentSpanId !== undefined && !HEX16.test(s.parentSpanId)) errs.push(`${w}: parentSpanId not 16 hex`);
        if (typeof s.name !== 'string' || !s.name) errs.push(`${w}: name missing`);
        if (!Number.isInteger(s.kind) || s.kind < 0 || s.kind > 5) errs.push(`${w}: kind not an integer 0..5`);
        for (const t of ['startTimeUnixNano', 'endTimeUnixNano'])
          if (typeof s[t] !== 'string' || !NANOS.test(s[t])) errs.push(`${w}: ${t} must be a decimal string`);
        if (typeof s.startTimeUnixNano === 'string' && typeof s.endTimeUnixNano === 'string' &&
            BigInt(s.endTimeUnixNano) < BigInt(s.startTimeUnixNano)) errs.push(`${w}: ends before it starts`);
        checkAttrs(s.attributes, `${w}.attributes`, errs);
        (s.events || []).forEach((e, m) => {
          if (typeof e.name !== 'string') errs.push(`${w}.events[${m}]: name missing`);
          if (typeof e.timeUnixNano !== 'string' || !NANOS.test(e.timeUnixNano)) errs.push(`${w}.events[${m}]: timeUnixNano`);
          checkAttrs(e.attributes, `${w}.events[${m}].attributes`, errs);
        });
        if (s.status !== undefined) {
          if (!Number.isInteger(s.status.code) || s.status.code < 0 || s.status.code > 2) errs.push(`${w}: status.code not 0..2`);
          if (s.status.message !== undefined && typeof s.status.message !== 'string') errs.push(`${w}: status.message`);
        }
      });
    });
  });
  return errs;
}

let count = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    count++;
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      fs.appendFileSync(path.join(dir, 'errors.txt'), `unexpected ${req.method} ${req.url}\n`);
      res.writeHead(404).end();
      return;
    }
    if (count <= failFirst) {
      fs.appendFileSync(path.join(dir, 'failed.txt'), `${count}\n`);
      res.writeHead(failStatus, { 'Content-Type': 'application/json' }).end('{}');
      return;
    }
    let body, errs;
    try {
      if ((req.headers['content-type'] || '').split(';')[0] !== 'application/json') throw new Error('Content-Type is not application/json');
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      errs = check(body);
    } catch (e) {
      errs = [String(e.message || e)];
    }
    if (errs.length) {
      fs.appendFileSync(path.join(dir, 'errors.txt'), errs.join('\n') + '\n');
      res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: errs[0] }));
      return;
    }
    const hdr = req.headers['x-test-header'];
    fs.appendFileSync(path.join(dir, 'requests.jsonl'), JSON.stringify({ header: hdr || null, body }) + '\n');
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"partialSuccess":{}}');
  });
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(path.join(dir, 'port.tmp'), String(server.address().port));
  fs.renameSync(path.join(dir, 'port.tmp'), path.join(dir, 'port'));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
