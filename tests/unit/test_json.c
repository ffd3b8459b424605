/* test_json.c — art_json_parse builds exactly the tree cJSON_ParseWithLengthOpts builds
 * (and fails where it fails, with the same end position), on plain JSON and on many
 * mutations of it. */
#include "json_parse.h"
#include "t.h"
#include <stdint.h>

/* 1 when the trees are the same: types, keys, values, order, child->prev as the last. */
static int same_tree(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return a == b;
	if (a->type != b->type || a->valueint != b->valueint ||
	    memcmp(&a->valuedouble, &b->valuedouble, sizeof a->valuedouble) != 0)
		return 0;
	if ((a->string == NULL) != (b->string == NULL) || (a->string && strcmp(a->string, b->string)))
		return 0;
	if ((a->valuestring == NULL) != (b->valuestring == NULL) ||
	    (a->valuestring && strcmp(a->valuestring, b->valuestring)))
		return 0;
	const cJSON *x = a->child, *y = b->child, *lx = NULL, *ly = NULL;
	for (; x && y; x = x->next, y = y->next) {
		if (!same_tree(x, y))
			return 0;
		lx = x;
		ly = y;
	}
	if (x || y)
		return 0;
	if (a->child && (a->child->prev != lx || b->child->prev != ly))
		return 0;
	return 1;
}

/* 1 when both parsers agree on s[0..n). */
static int agree(const char *s, size_t n)
{
	const char *ea = NULL, *eb = NULL;
	cJSON *a = art_json_parse(s, n, &ea);
	cJSON *b = cJSON_ParseWithLengthOpts(s, n, &eb, 0);
	int ok = same_tree(a, b) && ea == eb;
	cJSON_Delete(a);
	cJSON_Delete(b);
	return ok;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(void)
{
	static const char *const seeds[] = {
		"{\"art\":1,\"id\":\"req-1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}],"
		"\"params\":{\"max_tokens\":256,\"temperature\":0.2},\"score\":0.82,\"ok\":true,\"no\":false,"
		"\"nil\":null,\"empty\":{},\"list\":[],\"nested\":[[1,2],[3,[4,{\"a\":\"b\"}]]]}",
		" \t\r\n{ \"a\" : [ 1 , -2 , 3.5 , -0 , 0 , 1e5 , 2E-3 , -1.25e+2 , 123456789012345678 ] } \n",
		"{\"esc\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t end\",\"u\":\"\\u00e9\\ud83d\\ude00\",\"dup\":1,\"dup\":2}",
		"[0.1,0.30000000000000004,1.7976931348623157e308,5e-324,4.9e-324,1e400,-1e-400,"
		"123456789012345.6,0.000001,100000000000000000000000,2147483647,2147483648,-2147483649]",
		"\"just a string\"", "42", "-7.5", "true", "false", "null", "[]", "{}",
		"\xEF\xBB\xBF{\"bom\":1}", "{\"a\":1} trailing", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}",
		"{\"a\":+1}", "{\"a\":1e}", "{\"a\":-}", "[1,]", "{\"a\":1,}", "{\"a\"}", "{,}", "[", "\"open",
		"{\"ctl\":\"a\x01z\"}", "{\"k\":\"caf\xC3\xA9\"}", "[1\x01,2]", "nul", "tru", "fals", "",
		"{\"a\":1-2}", "[1e5e5]", "[0x10]", "[1.5.5]", "[--1]",
	};
	size_t nseeds = sizeof seeds / sizeof *seeds;
	int bad = 0;
	for (size_t i = 0; i < nseeds; i++)
		if (!agree(seeds[i], strlen(seeds[i])) && bad++ < 10)
			T_DIAG("differs on seed %zu: %s", i, seeds[i]);
	T_EQ_INT(bad, 0, "seeds parse as cJSON parses them");

	/* deep nesting: beyond this parser's depth cJSON decides */
	char deep[4100];
	bad = 0;
	for (int d = 250; d < 2000; d += 250) {
		memset(deep, '[', (size_t)d);
		memset(deep + d, ']', (size_t)d);
		bad += !agree(deep, (size_t)d * 2);
	}
	T_EQ_INT(bad, 0, "deep nesting parses as cJSON parses it");

	static const char alphabet[] = "\"\\{}[],:0123456789-+.eE \n\tuntfrlsa\x01\x1f\xC3\xA9\xEF\xBB\xBF/bx";
	bad = 0;
	for (int i = 0; i < 300000; i++) {
		const char *seed = seeds[next_rand() % nseeds];
		size_t n = strlen(seed);
		char buf[512];
		memcpy(buf, seed, n);
		int ops = 1 + (int)(next_rand() % 3);
		for (int k = 0; k < ops; k++) {
			size_t at = n ? next_rand() % (n + 1) : 0;
			char c = alphabet[next_rand() % (sizeof alphabet - 1)];
			switch (next_rand() % 4) {
			case 0: if (at < n) buf[at] = c; break;                       /* replace */
			case 1: if (n + 1 < sizeof buf) { memmove(buf + at + 1, buf + at, n - at); buf[at] = c; n++; } break;
			case 2: if (at < n) { memmove(buf + at, buf + at + 1, n - at - 1); n--; } break;
			default: n = at; /* cut */
			}
		}
		if (!agree(buf, n) && bad++ < 10)
			T_DIAG("differs on mutation %d: %.*s", i, (int)n, buf);
	}
	T_EQ_INT(bad, 0, "mutated texts parse (or fail) as cJSON parses them");
	return T_DONE();
}
