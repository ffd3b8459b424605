/* infer_tok.c — the tokenize / detokenize line filters behind art-infer's subcommands. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "infer.h"
#include "utf8.h"

static int error_line(const char *msg, char **out)
{
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "error", msg)) {
		cJSON_Delete(o);
		return ART_ENOMEM;
	}
	*out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return *out ? ART_OK : ART_ENOMEM;
}

static cJSON *parse_object(const char *line, size_t len)
{
	if (!art_utf8_valid(line, len, NULL)) return NULL;
	cJSON *j = cJSON_ParseWithLength(line, len);
	if (j && !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

int art_infer_tokenize_line(const art_tokenizer *t, const char *line, size_t len, int add_bos, int parse_special,
			    char **out)
{
	*out = NULL;
	cJSON *j = parse_object(line, len);
	if (!j) return error_line("expected a JSON object {\"text\": ...}", out);
	const cJSON *tx = cJSON_GetObjectItemCaseSensitive(j, "text");
	if (!cJSON_IsString(tx)) {
		cJSON_Delete(j);
		return error_line("\"text\" must be a string", out);
	}
	const size_t tl = strlen(tx->valuestring);
	size_t cap = tl + 8, n = 0;
	int32_t *ids = malloc(cap * sizeof *ids);
	int rc = ids ? art_tokenizer_encode(t, tx->valuestring, tl, add_bos, parse_special, ids, cap, &n) : ART_ENOMEM;
	if (rc == ART_ERANGE) {
		int32_t *w = realloc(ids, (n + 1) * sizeof *ids);
		rc = w ? art_tokenizer_encode(t, tx->valuestring, tl, add_bos, parse_special, w, n + 1, &n) : ART_ENOMEM;
		if (w) ids = w;
	}
	cJSON_Delete(j);
	if (rc) {
		free(ids);
		return rc == ART_ENOMEM ? rc : error_line("cannot tokenize the text", out);
	}
	cJSON *o = cJSON_CreateObject(), *arr = o ? cJSON_AddArrayToObject(o, "ids") : NULL;
	int ok = arr != NULL;
	for (size_t i = 0; ok && i < n; i++) ok = cJSON_AddItemToArray(arr, cJSON_CreateNumber(ids[i]));
	ok = ok && cJSON_AddNumberToObject(o, "n", (double)n);
	free(ids);
	*out = ok ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	return *out ? ART_OK : ART_ENOMEM;
}

int art_infer_detokenize_line(const art_tokenizer *t, const char *line, size_t len, char **out)
{
	*out = NULL;
	cJSON *j = parse_object(line, len);
	if (!j) return error_line("expected a JSON object {\"ids\": [...]}", out);
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, "ids");
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(j);
		return error_line("\"ids\" must be an array of token ids", out);
	}
	size_t n = (size_t)cJSON_GetArraySize(arr), k = 0;
	int32_t *ids = malloc((n ? n : 1) * sizeof *ids);
	if (!ids) {
		cJSON_Delete(j);
		return ART_ENOMEM;
	}
	const cJSON *v;
	const int32_t nv = art_tokenizer_n_vocab(t);
	cJSON_ArrayForEach(v, arr) {
		if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 0 ||
		    v->valuedouble >= nv) {
			free(ids);
			cJSON_Delete(j);
			return error_line("\"ids\" must hold token ids in [0, n_vocab)", out);
		}
		ids[k++] = (int32_t)v->valuedouble;
	}
	cJSON_Delete(j);
	size_t need = 0;
	int rc = art_tokenizer_decode(t, ids, n, ART_TOK_DECODE_STRIP_SPACE, NULL, 0, &need);
	char *buf = (rc == ART_OK || rc == ART_ERANGE) ? malloc(need + 1) : NULL;
	if (buf) rc = art_tokenizer_decode(t, ids, n, ART_TOK_DECODE_STRIP_SPACE, buf, need + 1, &need);
	free(ids);
	if (!buf || rc) {
		free(buf);
		return !buf && (rc == ART_OK || rc == ART_ERANGE) ? ART_ENOMEM : error_line("cannot decode the ids", out);
	}
	/* byte tokens may leave invalid UTF-8: JSON needs valid text */
	if (!art_utf8_valid(buf, need, NULL))
		for (size_t i = 0; i < need;) {
			uint32_t cp;
			int l = art_utf8_decode(buf + i, need - i, &cp);
			if (l > 0) i += (size_t)l;
			else buf[i++] = '?';
		}
	cJSON *o = cJSON_CreateObject();
	int ok = o && cJSON_AddStringToObject(o, "text", buf) && cJSON_AddNumberToObject(o, "n", (double)n);
	free(buf);
	*out = ok ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	return *out ? ART_OK : ART_ENOMEM;
}
