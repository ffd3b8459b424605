/* mcp.c — Model Context Protocol client over stdio and streamable HTTP (see mcp.h). */
#include "mcp.h"
#include "clock.h"
#include "err.h"
#include "tool_proc.h"
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *const ART_MCP_VERSIONS[] = {"2025-11-25", "2025-06-18", "2025-03-26", NULL};

#define TAIL 1024

struct art_mcp {
	enum art_mcp_transport transport;
	int alive;
	long long next_id;
	long long timeout_ms;
	char version[32];
	cJSON *init_result;
	/* stdio */
	pid_t pid;
	int in_fd, out_fd, err_fd;
	char *rbuf;
	size_t rlen, rcap;
	char err_tail[TAIL + 1];
	size_t errlen;
	/* http */
	CURL *curl, *curl_reply;
	char *url;
	char **headers;
	char *session;
};

/* ---------- shared message handling ---------- */

static char *print_msg(cJSON *msg)
{
	return cJSON_PrintUnformatted(msg);
}

/* The answer to a server-to-client request: ping gets {}, anything else -32601. */
static cJSON *reply_for(const cJSON *req)
{
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(req, "method");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "jsonrpc", "2.0");
	cJSON_AddItemToObject(r, "id", cJSON_Duplicate(id, 1));
	if (cJSON_IsString(method) && !strcmp(method->valuestring, "ping")) {
		cJSON_AddItemToObject(r, "result", cJSON_CreateObject());
	} else {
		cJSON *e = cJSON_AddObjectToObject(r, "error");
		cJSON_AddNumberToObject(e, "code", -32601);
		cJSON_AddStringToObject(e, "message", "method not supported by this client");
	}
	return r;
}

static int send_reply(art_mcp *m, const cJSON *req, int64_t deadline_us);

/* Classifies one incoming message.  Returns 1 and gives *resp ownership of msg when it
 * is the response to want_id; 0 when it was skipped (notification, stale response,
 * server request: answered) and freed. */
static int take_message(art_mcp *m, cJSON *msg, long long want_id, int64_t deadline_us,
			cJSON **resp)
{
	if (!cJSON_IsObject(msg)) {
		cJSON_Delete(msg);
		return 0;
	}
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(msg, "method");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
	if (cJSON_IsString(method)) {
		if (id && !cJSON_IsNull(id))
			send_reply(m, msg, deadline_us);
		cJSON_Delete(msg);
		return 0;
	}
	if (cJSON_IsNumber(id) && (long long)id->valuedouble == want_id) {
		*resp = msg;
		return 1;
	}
	cJSON_Delete(msg);
	return 0;
}

static int finish_response(cJSON *resp, cJSON **result, char *err, size_t errsz)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(resp, "error");
	if (e) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
		snprintf(err, errsz, "rpc error %d: %s", cJSON_IsNumber(code) ? code->valueint : 0,
			 cJSON_IsString(msg) ? msg->valuestring : "(no message)");
		cJSON_Delete(resp);
		return ART_EINVAL;
	}
	cJSON *r = cJSON_DetachItemFromObjectCaseSensitive(resp, "result");
	cJSON_Delete(resp);
	if (!r) {
		snprintf(err, errsz, "response without result or error");
		return ART_EFORMAT;
	}
	*result = r;
	return ART_OK;
}

/* ---------- stdio ---------- */

static void drain_stderr(art_mcp *m)
{
	char buf[4096];
	for (;;) {
		ssize_t r = read(m->err_fd, buf, sizeof buf);
		if (r <= 0)
			return;
		size_t n = (size_t)r;
		if (n >= TAIL) {
			memcpy(m->err_tail, buf + n - TAIL, TAIL);
			m->errlen = TAIL;
		} else {
			if (m->errlen + n > TAIL) {
				size_t drop = m->errlen + n - TAIL;
				memmove(m->err_tail, m->err_tail + drop, m->errlen - drop);
				m->errlen -= drop;
			}
			memcpy(m->err_tail + m->errlen, buf, n);
			m->errlen += n;
		}
		m->err_tail[m->errlen] = 0;
	}
}

static void stdio_dead(art_mcp *m, char *err, size_t errsz, const char *what)
{
	drain_stderr(m);
	int st = 0;
	char how[64] = "still running";
	if (waitpid(m->pid, &st, WNOHANG) == m->pid) {
		if (WIFEXITED(st))
			snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(st));
		m->pid = 0;
	}
	/* the last stderr line says most */
	const char *t = m->err_tail;
	size_t n = m->errlen;
	while (n && (t[n - 1] == '\n' || t[n - 1] == '\r'))
		n--;
	const char *nl = memrchr(t, '\n', n);
	const char *last = nl ? nl + 1 : t;
	snprintf(err, errsz, "MCP server %s (%s)%s%.*s", what, how, n ? "; stderr: " : "",
		 (int)(t + n - last), last);
	m->alive = 0;
}

static int stdio_write(art_mcp *m, const char *s, size_t n, int64_t deadline_us, char *err,
		       size_t errsz)
{
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(m->in_fd, s + off, n - off);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			int64_t left = deadline_us - art_clock_mono_us();
			if (left <= 0) {
				snprintf(err, errsz, "timed out writing to MCP server");
				return ART_ETIMEOUT;
			}
			struct pollfd pf = {.fd = m->in_fd, .events = POLLOUT};
			poll(&pf, 1, (int)((left + 999) / 1000));
			continue;
		}
		stdio_dead(m, err, errsz, "closed its input");
		return ART_EIO;
	}
	return ART_OK;
}

static int stdio_send(art_mcp *m, cJSON *msg, int64_t deadline_us, char *err, size_t errsz)
{
	char *s = print_msg(msg);
	if (!s)
		return ART_ENOMEM;
	size_t n = strlen(s);
	/* JSON text printed by cJSON never holds a raw newline: one message, one line */
	int rc = stdio_write(m, s, n, deadline_us, err, errsz);
	if (rc == ART_OK)
		rc = stdio_write(m, "\n", 1, deadline_us, err, errsz);
	free(s);
	return rc;
}

/* Next message line from the server: ART_OK with *msg (NULL for a line that is not
 * JSON: skipped by the caller), ART_ETIMEOUT, ART_EIO (server gone). */
static int stdio_read(art_mcp *m, int64_t deadline_us, cJSON **msg, char *err, size_t errsz)
{
	for (;;) {
		char *nl = m->rlen ? memchr(m->rbuf, '\n', m->rlen) : NULL;
		if (nl) {
			size_t len = (size_t)(nl - m->rbuf);
			*msg = cJSON_ParseWithLength(m->rbuf, len);
			memmove(m->rbuf, nl + 1, m->rlen - len - 1);
			m->rlen -= len + 1;
			return ART_OK;
		}
		int64_t left = deadline_us - art_clock_mono_us();
		if (left <= 0) {
			snprintf(err, errsz, "MCP server did not answer in time");
			return ART_ETIMEOUT;
		}
		struct pollfd pf[2] = {{.fd = m->out_fd, .events = POLLIN},
				       {.fd = m->err_fd, .events = POLLIN}};
		int pr = poll(pf, 2, (int)((left + 999) / 1000));
		if (pr < 0 && errno != EINTR) {
			stdio_dead(m, err, errsz, "poll failed");
			return ART_EIO;
		}
		if (pf[1].revents)
			drain_stderr(m);
		if (pf[0].revents) {
			if (m->rcap - m->rlen < 65536) {
				size_t nc = m->rcap ? m->rcap * 2 : 131072;
				char *nb = realloc(m->rbuf, nc);
				if (!nb)
					return ART_ENOMEM;
				m->rbuf = nb;
				m->rcap = nc;
			}
			ssize_t r = read(m->out_fd, m->rbuf + m->rlen, m->rcap - m->rlen);
			if (r > 0) {
				m->rlen += (size_t)r;
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				/* give a dying server a moment so its exit status can be reported */
				for (int i = 0; i < 50 && waitpid(m->pid, NULL, WNOHANG | WNOWAIT) == 0; i++) {
					struct timespec ts = {0, 2000000};
					nanosleep(&ts, NULL);
				}
				stdio_dead(m, err, errsz, "closed its output");
				return ART_EIO;
			}
		}
	}
}

static int stdio_exchange(art_mcp *m, cJSON *req, long long id, int64_t deadline_us,
			  cJSON **resp, char *err, size_t errsz)
{
	int rc = stdio_send(m, req, deadline_us, err, errsz);
	if (rc != ART_OK || id < 0)
		return rc;
	for (;;) {
		cJSON *msg = NULL;
		rc = stdio_read(m, deadline_us, &msg, err, errsz);
		if (rc != ART_OK)
			return rc;
		if (msg && take_message(m, msg, id, deadline_us, resp))
			return ART_OK;
	}
}

/* ---------- streamable HTTP ---------- */

typedef struct {
	art_mcp *m;
	long long want_id;
	int64_t deadline_us;
	int sse;          /* content type text/event-stream */
	int ctype_seen;
	char *body;       /* raw body (JSON answers) or pending SSE text */
	size_t len, cap;
	char *data;       /* SSE: data of the event being read */
	size_t dlen, dcap;
	cJSON *resp;      /* the matching response, once seen */
	char *session;    /* Mcp-Session-Id from this answer */
} http_xfer;

static int buf_add(char **b, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t nc = *cap ? *cap : 4096;
		while (*len + n + 1 > nc)
			nc *= 2;
		char *nb = realloc(*b, nc);
		if (!nb)
			return -1;
		*b = nb;
		*cap = nc;
	}
	memcpy(*b + *len, s, n);
	*len += n;
	(*b)[*len] = 0;
	return 0;
}

static size_t hdr_cb(char *p, size_t size, size_t n, void *ud)
{
	http_xfer *x = ud;
	size_t len = size * n;
	const char *colon = memchr(p, ':', len);
	if (!colon)
		return len;
	size_t kl = (size_t)(colon - p);
	const char *v = colon + 1;
	size_t vl = len - kl - 1;
	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (kl == 14 && !strncasecmp(p, "mcp-session-id", 14)) {
		free(x->session);
		x->session = strndup(v, vl);
	} else if (kl == 12 && !strncasecmp(p, "content-type", 12)) {
		x->ctype_seen = 1;
		x->sse = vl >= 17 && !strncasecmp(v, "text/event-stream", 17);
	}
	return len;
}

/* One SSE line (without its end of line). */
static void sse_line(http_xfer *x, const char *l, size_t n)
{
	if (n == 0) { /* dispatch */
		if (x->dlen && !x->resp) {
			cJSON *msg = cJSON_ParseWithLength(x->data, x->dlen);
			if (msg)
				take_message(x->m, msg, x->want_id, x->deadline_us, &x->resp);
		}
		x->dlen = 0;
		return;
	}
	if (n >= 5 && !memcmp(l, "data:", 5)) {
		l += 5, n -= 5;
		if (n && *l == ' ')
			l++, n--;
		if (x->dlen)
			buf_add(&x->data, &x->dlen, &x->dcap, "\n", 1);
		buf_add(&x->data, &x->dlen, &x->dcap, l, n);
	}
	/* event:, id:, retry: and ":" comments carry nothing this client needs */
}

static size_t body_cb(char *p, size_t size, size_t n, void *ud)
{
	http_xfer *x = ud;
	size_t len = size * n;
	if (buf_add(&x->body, &x->len, &x->cap, p, len))
		return 0;
	if (!x->sse)
		return x->len > (64u << 20) ? 0 : len;
	/* SSE: consume complete lines */
	size_t start = 0;
	for (size_t i = 0; i < x->len; i++) {
		if (x->body[i] != '\n')
			continue;
		size_t e = i;
		if (e > start && x->body[e - 1] == '\r')
			e--;
		sse_line(x, x->body + start, e - start);
		start = i + 1;
	}
	memmove(x->body, x->body + start, x->len - start);
	x->len -= start;
	/* the answer is in: stop reading this stream (the server may keep it open) */
	return x->resp ? 0 : len;
}

static struct curl_slist *http_headers(art_mcp *m, int with_version)
{
	struct curl_slist *h = NULL;
	char line[512];
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json, text/event-stream");
	if (m->session) {
		snprintf(line, sizeof line, "Mcp-Session-Id: %s", m->session);
		h = curl_slist_append(h, line);
	}
	if (with_version && m->version[0]) {
		snprintf(line, sizeof line, "MCP-Protocol-Version: %s", m->version);
		h = curl_slist_append(h, line);
	}
	for (char **p = m->headers; p && *p; p++)
		h = curl_slist_append(h, *p);
	return h;
}

/* POSTs one message (or DELETE when msg is NULL).  want_id < 0: a notification or
 * response, answered by 202.  Stores the session id from the answer. */
static int http_exchange(art_mcp *m, CURL *c, cJSON *msg, long long want_id,
			 int64_t deadline_us, cJSON **resp, char *err, size_t errsz)
{
	int64_t left_ms = (deadline_us - art_clock_mono_us()) / 1000;
	if (left_ms <= 0) {
		snprintf(err, errsz, "MCP server did not answer in time");
		return ART_ETIMEOUT;
	}
	http_xfer x = {.m = m, .want_id = want_id, .deadline_us = deadline_us};
	char *body = msg ? print_msg(msg) : NULL;
	if (msg && !body)
		return ART_ENOMEM;
	struct curl_slist *h = http_headers(m, 1);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, m->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)left_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)left_ms);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, hdr_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
	}
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	free(body);
	int rc = ART_OK;
	if (x.session && !m->session) {
		m->session = x.session;
		x.session = NULL;
	}
	if (x.resp) { /* found in an SSE stream (the transfer may have been cut short) */
		*resp = x.resp;
		x.resp = NULL;
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(err, errsz, "MCP server did not answer in time");
		rc = ART_ETIMEOUT;
	} else if (cc != CURLE_OK) {
		snprintf(err, errsz, "MCP HTTP transport: %s", curl_easy_strerror(cc));
		m->alive = 0;
		rc = ART_EIO;
	} else if (status == 404 && m->session) {
		snprintf(err, errsz, "MCP session expired (HTTP 404)");
		m->alive = 0;
		rc = ART_EIO;
	} else if (status < 200 || status > 299) {
		snprintf(err, errsz, "MCP server answered HTTP %ld: %.200s", status,
			 x.body && !x.sse ? x.body : "");
		rc = status >= 500 ? ART_EIO : ART_EINVAL;
	} else if (want_id >= 0) {
		if (x.sse) {
			sse_line(&x, "", 0); /* a last event without its blank line */
			if (x.resp) {
				*resp = x.resp;
				x.resp = NULL;
			}
		} else if (x.body) {
			cJSON *j = cJSON_ParseWithLength(x.body, x.len);
			if (cJSON_IsArray(j)) { /* a batch: pick ours */
				cJSON *it;
				while ((it = cJSON_DetachItemFromArray(j, 0)) && !*resp)
					take_message(m, it, want_id, deadline_us, resp);
				cJSON_Delete(it);
				cJSON_Delete(j);
			} else if (j) {
				take_message(m, j, want_id, deadline_us, resp);
			}
		}
		if (!*resp) {
			snprintf(err, errsz, "MCP server answered HTTP %ld without a response to request %lld",
				 status, want_id);
			rc = ART_EFORMAT;
		}
	}
	free(x.body);
	free(x.data);
	free(x.session);
	cJSON_Delete(x.resp);
	return rc;
}

/* ---------- common ---------- */

static int send_reply(art_mcp *m, const cJSON *req, int64_t deadline_us)
{
	cJSON *r = reply_for(req);
	char err[256];
	int rc;
	if (m->transport == ART_MCP_STDIO) {
		rc = stdio_send(m, r, deadline_us, err, sizeof err);
	} else {
		cJSON *none = NULL;
		if (!m->curl_reply)
			m->curl_reply = curl_easy_init();
		rc = m->curl_reply ? http_exchange(m, m->curl_reply, r, -1, deadline_us, &none, err,
						   sizeof err)
				   : ART_ENOMEM;
		cJSON_Delete(none);
	}
	cJSON_Delete(r);
	return rc;
}

static int exchange(art_mcp *m, cJSON *msg, long long id, int64_t deadline_us, cJSON **resp,
		    char *err, size_t errsz)
{
	if (m->transport == ART_MCP_STDIO)
		return stdio_exchange(m, msg, id, deadline_us, resp, err, errsz);
	return http_exchange(m, m->curl, msg, id, deadline_us, resp, err, errsz);
}

static int notify(art_mcp *m, const char *method, cJSON *params, int64_t deadline_us,
		  char *err, size_t errsz)
{
	cJSON *n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "jsonrpc", "2.0");
	cJSON_AddStringToObject(n, "method", method);
	if (params)
		cJSON_AddItemToObject(n, "params", params);
	cJSON *none = NULL;
	int rc = exchange(m, n, -1, deadline_us, &none, err, errsz);
	cJSON_Delete(none);
	cJSON_Delete(n);
	return rc;
}

static int request_inner(art_mcp *m, const char *method, const cJSON *params,
			 int64_t deadline_us, cJSON **result, int probe, char *err, size_t errsz)
{
	*result = NULL;
	if (!m->alive) {
		snprintf(err, errsz, "MCP connection is closed");
		return ART_EIO;
	}
	long long id = m->next_id++;
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "jsonrpc", "2.0");
	cJSON_AddNumberToObject(req, "id", (double)id);
	cJSON_AddStringToObject(req, "method", method);
	if (params)
		cJSON_AddItemToObject(req, "params", cJSON_Duplicate(params, 1));
	cJSON *resp = NULL;
	int rc = exchange(m, req, id, deadline_us, &resp, err, errsz);
	cJSON_Delete(req);
	if (rc == ART_ETIMEOUT && !probe && m->alive) {
		/* cancel it, then make sure the server still answers at all */
		cJSON *p = cJSON_CreateObject();
		cJSON_AddNumberToObject(p, "requestId", (double)id);
		cJSON_AddStringToObject(p, "reason", "timeout");
		char e2[256];
		int64_t d2 = art_clock_mono_us() + 1000000;
		notify(m, "notifications/cancelled", p, d2, e2, sizeof e2);
		cJSON *pong = NULL;
		if (request_inner(m, "ping", NULL, d2, &pong, 1, e2, sizeof e2) != ART_OK) {
			m->alive = 0;
			snprintf(err, errsz, "MCP server hung: no answer to %s nor to ping", method);
		}
		cJSON_Delete(pong);
		return ART_ETIMEOUT;
	}
	if (rc != ART_OK)
		return rc;
	return finish_response(resp, result, err, errsz);
}

int art_mcp_request(art_mcp *m, const char *method, const cJSON *params, int64_t deadline_us,
		    cJSON **result, char *err, size_t errsz)
{
	return request_inner(m, method, params, deadline_us, result, 0, err, errsz);
}

static int initialize(art_mcp *m, const char *want, char *err, size_t errsz)
{
	int64_t deadline = art_clock_mono_us() + m->timeout_ms * 1000;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "protocolVersion", want);
	cJSON_AddObjectToObject(p, "capabilities");
	cJSON *ci = cJSON_AddObjectToObject(p, "clientInfo");
	cJSON_AddStringToObject(ci, "name", "art-tool");
	cJSON_AddStringToObject(ci, "version", ART_VERSION);
	cJSON *res = NULL;
	int rc = art_mcp_request(m, "initialize", p, deadline, &res, err, errsz);
	cJSON_Delete(p);
	if (rc != ART_OK)
		return rc;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(res, "protocolVersion");
	int ok = 0;
	for (int i = 0; cJSON_IsString(v) && ART_MCP_VERSIONS[i]; i++)
		ok |= !strcmp(v->valuestring, ART_MCP_VERSIONS[i]);
	if (!ok) {
		snprintf(err, errsz, "MCP server chose protocol version %s, which this client does not speak",
			 cJSON_IsString(v) ? v->valuestring : "(none)");
		cJSON_Delete(res);
		return ART_EUNSUPP;
	}
	snprintf(m->version, sizeof m->version, "%s", v->valuestring);
	m->init_result = res;
	return notify(m, "notifications/initialized", NULL, deadline, err, errsz);
}

int art_mcp_open(art_mcp **out, const art_mcp_opts *o, char *err, size_t errsz)
{
	*out = NULL;
	const char *want = o->version ? o->version : ART_MCP_LATEST;
	art_mcp *m = calloc(1, sizeof *m);
	if (!m)
		return ART_ENOMEM;
	m->transport = o->transport;
	m->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	m->next_id = 1;
	m->in_fd = m->out_fd = m->err_fd = -1;
	int rc;
	if (o->transport == ART_MCP_STDIO) {
		rc = art_tool_proc_spawn(o->argv, o->envp, o->cwd, &m->pid, &m->in_fd, &m->out_fd,
					 &m->err_fd, err, errsz);
		if (rc != ART_OK) {
			free(m);
			return rc;
		}
		fcntl(m->in_fd, F_SETFL, fcntl(m->in_fd, F_GETFL) | O_NONBLOCK);
		fcntl(m->err_fd, F_SETFL, fcntl(m->err_fd, F_GETFL) | O_NONBLOCK);
	} else {
		size_t nh = 0;
		while (o->headers && o->headers[nh])
			nh++;
		m->url = strdup(o->url ? o->url : "");
		m->headers = calloc(nh + 1, sizeof *m->headers);
		m->curl = curl_easy_init();
		if (!m->url || !m->headers || !m->curl) {
			art_mcp_close(m);
			return ART_ENOMEM;
		}
		for (size_t i = 0; i < nh; i++)
			m->headers[i] = strdup(o->headers[i]);
	}
	m->alive = 1;
	rc = initialize(m, want, err, errsz);
	if (rc != ART_OK) {
		art_mcp_close(m);
		return rc;
	}
	*out = m;
	return ART_OK;
}

void art_mcp_close(art_mcp *m)
{
	if (!m)
		return;
	if (m->transport == ART_MCP_STDIO) {
		if (m->in_fd >= 0)
			close(m->in_fd);
		if (m->pid > 0) {
			/* stdio shutdown: input closed, a grace period, SIGTERM, then SIGKILL */
			int st, gone = 0;
			for (int i = 0; i < 100 && !gone; i++) {
				gone = waitpid(m->pid, &st, WNOHANG) == m->pid;
				if (!gone) {
					struct timespec ts = {0, 5000000};
					nanosleep(&ts, NULL);
				}
			}
			if (!gone) {
				kill(-m->pid, SIGTERM);
				for (int i = 0; i < 40 && !gone; i++) {
					gone = waitpid(m->pid, &st, WNOHANG) == m->pid;
					if (!gone) {
						struct timespec ts = {0, 5000000};
						nanosleep(&ts, NULL);
					}
				}
			}
			if (!gone)
				art_tool_proc_kill(m->pid, NULL);
			else
				kill(-m->pid, SIGKILL); /* anything it left in its group */
		}
		if (m->out_fd >= 0)
			close(m->out_fd);
		if (m->err_fd >= 0)
			close(m->err_fd);
	} else if (m->curl) {
		if (m->session && m->alive) {
			char e[128];
			cJSON *none = NULL;
			http_exchange(m, m->curl, NULL, -1, art_clock_mono_us() + 1000000, &none, e,
				      sizeof e);
			cJSON_Delete(none);
		}
		curl_easy_cleanup(m->curl);
	}
	if (m->curl_reply)
		curl_easy_cleanup(m->curl_reply);
	for (char **p = m->headers; p && *p; p++)
		free(*p);
	free(m->headers);
	free(m->url);
	free(m->session);
	free(m->rbuf);
	cJSON_Delete(m->init_result);
	free(m);
}

const char *art_mcp_version(const art_mcp *m) { return m->version; }
const cJSON *art_mcp_server_info(const art_mcp *m) { return m->init_result; }
int art_mcp_alive(const art_mcp *m) { return m && m->alive; }
int art_mcp_pid(const art_mcp *m) { return (int)m->pid; }

int art_mcp_list_tools(art_mcp *m, int64_t deadline_us, cJSON **tools, char *err, size_t errsz)
{
	cJSON *all = cJSON_CreateArray();
	char *cursor = NULL;
	for (int page = 0; page < 1000; page++) {
		cJSON *p = NULL;
		if (cursor) {
			p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "cursor", cursor);
		}
		cJSON *res = NULL;
		int rc = art_mcp_request(m, "tools/list", p, deadline_us, &res, err, errsz);
		cJSON_Delete(p);
		free(cursor);
		cursor = NULL;
		if (rc != ART_OK) {
			cJSON_Delete(all);
			return rc;
		}
		cJSON *ts = cJSON_GetObjectItemCaseSensitive(res, "tools");
		if (!cJSON_IsArray(ts)) {
			cJSON_Delete(res);
			cJSON_Delete(all);
			snprintf(err, errsz, "tools/list result has no tools array");
			return ART_EFORMAT;
		}
		cJSON *t;
		while ((t = cJSON_DetachItemFromArray(ts, 0)))
			cJSON_AddItemToArray(all, t);
		const cJSON *nc = cJSON_GetObjectItemCaseSensitive(res, "nextCursor");
		if (cJSON_IsString(nc) && *nc->valuestring)
			cursor = strdup(nc->valuestring);
		cJSON_Delete(res);
		if (!cursor)
			break;
	}
	free(cursor);
	*tools = all;
	return ART_OK;
}

int art_mcp_call_tool(art_mcp *m, const char *name, const cJSON *args, int64_t deadline_us,
		      cJSON **result, char *err, size_t errsz)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddItemToObject(p, "arguments", args ? cJSON_Duplicate(args, 1) : cJSON_CreateObject());
	int rc = art_mcp_request(m, "tools/call", p, deadline_us, result, err, errsz);
	cJSON_Delete(p);
	if (rc == ART_OK && !cJSON_IsObject(*result)) {
		cJSON_Delete(*result);
		*result = NULL;
		snprintf(err, errsz, "tools/call result is not an object");
		return ART_EFORMAT;
	}
	return rc;
}
