/* redact.c — secret/PII scanners.  Each scanner looks at position i of the text and
 * returns the length of a match starting there (0 for none); boundaries are checked so a
 * match never starts or ends inside a longer word of the same character class. */
#include "redact.h"
#include "err.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *art_redact_kind_name(unsigned kind)
{
	switch (kind) {
	case ART_REDACT_EMAIL: return "email";
	case ART_REDACT_API_KEY: return "api_key";
	case ART_REDACT_AWS_KEY: return "aws_key";
	case ART_REDACT_JWT: return "jwt";
	case ART_REDACT_CARD: return "card";
	default: return "?";
	}
}

static int is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_b64url(unsigned char c) { return is_alnum(c) || c == '-' || c == '_'; }
static int is_local(unsigned char c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
static int is_upper_or_digit(unsigned char c) { return (c >= 'A' && c <= 'Z') || is_digit(c); }

/* E-mail: anchored at the '@' at s[at]; on a match sets *start and returns the length. */
static size_t match_email(const char *s, size_t n, size_t at, size_t *start)
{
	size_t b = at;
	while (b > 0 && is_local((unsigned char)s[b - 1]))
		b--;
	while (b < at && s[b] == '.') /* a local part does not start with a dot */
		b++;
	if (b == at)
		return 0;
	size_t e = at + 1, last_dot = 0;
	int labels = 0;
	for (;;) {
		size_t ls = e;
		while (e < n && (is_alnum((unsigned char)s[e]) || s[e] == '-'))
			e++;
		if (e == ls)
			break;
		labels++;
		if (e + 1 < n && s[e] == '.' && (is_alnum((unsigned char)s[e + 1]))) {
			last_dot = e;
			e++;
			continue;
		}
		break;
	}
	if (labels < 2 || !last_dot)
		return 0;
	/* top-level domain: at least two letters */
	size_t tld = 0;
	for (size_t k = last_dot + 1; k < e; k++) {
		unsigned char c = (unsigned char)s[k];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return 0;
		tld++;
	}
	if (tld < 2)
		return 0;
	*start = b;
	return e - b;
}

static size_t match_api_key(const char *s, size_t n, size_t i)
{
	if (i + 3 > n || s[i] != 's' || s[i + 1] != 'k' || s[i + 2] != '-')
		return 0;
	if (i > 0 && is_b64url((unsigned char)s[i - 1]))
		return 0;
	size_t e = i + 3;
	while (e < n && is_b64url((unsigned char)s[e]))
		e++;
	return e - (i + 3) >= 20 ? e - i : 0;
}

static size_t match_aws(const char *s, size_t n, size_t i)
{
	if (i + 20 > n || s[i] != 'A' || !(s[i + 1] == 'K' || s[i + 1] == 'S') || s[i + 2] != 'I' ||
	    s[i + 3] != 'A')
		return 0;
	if (i > 0 && is_alnum((unsigned char)s[i - 1]))
		return 0;
	for (size_t k = i + 4; k < i + 20; k++)
		if (!is_upper_or_digit((unsigned char)s[k]))
			return 0;
	if (i + 20 < n && is_alnum((unsigned char)s[i + 20]))
		return 0;
	return 20;
}

/* One base64url segment starting at e; returns its end. */
static size_t seg(const char *s, size_t n, size_t e)
{
	while (e < n && is_b64url((unsigned char)s[e]))
		e++;
	return e;
}

static size_t match_jwt(const char *s, size_t n, size_t i)
{
	if (i + 3 > n || memcmp(s + i, "eyJ", 3) != 0)
		return 0;
	if (i > 0 && is_b64url((unsigned char)s[i - 1]))
		return 0;
	size_t e = seg(s, n, i);
	if (e - i < 10 || e >= n || s[e] != '.')
		return 0;
	size_t p = e + 1;
	e = seg(s, n, p);
	if (e - p < 10 || e >= n || s[e] != '.')
		return 0;
	e = seg(s, n, e + 1);
	return e - i;
}

/* Card: 13-19 digits, grouped by single ' ' or '-' separators, Luhn valid, and not part
 * of a longer run of digits or letters. */
static size_t match_card(const char *s, size_t n, size_t i)
{
	if (i > 0 && (is_alnum((unsigned char)s[i - 1]) ||
		      ((s[i - 1] == '-' || s[i - 1] == '.') && i > 1 && is_digit((unsigned char)s[i - 2]))))
		return 0;
	int digits[20], nd = 0;
	size_t e = i;
	while (e < n) {
		if (is_digit((unsigned char)s[e])) {
			if (nd == 20)
				return 0;
			digits[nd++] = s[e++] - '0';
		} else if ((s[e] == ' ' || s[e] == '-') && e + 1 < n && is_digit((unsigned char)s[e + 1])) {
			e++;
		} else {
			break;
		}
	}
	if (nd < 13 || nd > 19 || (e < n && is_alnum((unsigned char)s[e])))
		return 0;
	int sum = 0;
	for (int k = 0; k < nd; k++) {
		int d = digits[nd - 1 - k];
		if (k & 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0 ? e - i : 0;
}

typedef struct {
	char *p;
	size_t len, cap;
} sbuf;

static int sb_put(sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t c = b->cap ? b->cap : 64;
		while (c < b->len + n + 1)
			c *= 2;
		char *q = realloc(b->p, c);
		if (!q)
			return ART_ENOMEM;
		b->p = q;
		b->cap = c;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
	return ART_OK;
}

int art_redact_text(const char *s, size_t n, unsigned mask, char **out, size_t *outlen,
		    unsigned *found)
{
	sbuf b = {0};
	size_t copied = 0; /* s[0..copied) is in b already */
	int count = 0;
	unsigned seen = 0;
	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t start = i, len = 0;
		unsigned kind = 0;
		if (c == '@' && (mask & ART_REDACT_EMAIL)) {
			len = match_email(s, n, i, &start);
			if (start < copied) /* overlaps an earlier replacement */
				len = 0;
			kind = ART_REDACT_EMAIL;
		} else if (c == 's' && (mask & ART_REDACT_API_KEY)) {
			len = match_api_key(s, n, i);
			kind = ART_REDACT_API_KEY;
		} else if (c == 'A' && (mask & ART_REDACT_AWS_KEY)) {
			len = match_aws(s, n, i);
			kind = ART_REDACT_AWS_KEY;
		} else if (c == 'e' && (mask & ART_REDACT_JWT)) {
			len = match_jwt(s, n, i);
			kind = ART_REDACT_JWT;
		} else if (is_digit(c) && (mask & ART_REDACT_CARD)) {
			len = match_card(s, n, i);
			kind = ART_REDACT_CARD;
		}
		if (!len)
			continue;
		char tag[32];
		int tl = snprintf(tag, sizeof tag, "[REDACTED:%s]", art_redact_kind_name(kind));
		if (sb_put(&b, s + copied, start - copied) || sb_put(&b, tag, (size_t)tl)) {
			free(b.p);
			return ART_ENOMEM;
		}
		copied = start + len;
		i = copied - 1;
		count++;
		seen |= kind;
	}
	if (found)
		*found |= seen;
	if (!count)
		return 0;
	if (sb_put(&b, s + copied, n - copied)) {
		free(b.p);
		return ART_ENOMEM;
	}
	*out = b.p;
	if (outlen)
		*outlen = b.len;
	return count;
}

int art_redact_json(cJSON *item, unsigned mask, unsigned *found)
{
	int total = 0;
	for (cJSON *c = item; c; c = NULL) {
		if (cJSON_IsString(c) && c->valuestring) {
			char *r;
			int k = art_redact_text(c->valuestring, strlen(c->valuestring), mask, &r, NULL, found);
			if (k < 0)
				return k;
			if (k > 0) {
				/* the tree frees valuestring with cJSON's hooks: allocate it with them */
				size_t rl = strlen(r) + 1;
				char *v = cJSON_malloc(rl);
				if (!v) {
					free(r);
					return ART_ENOMEM;
				}
				memcpy(v, r, rl);
				free(r);
				cJSON_free(c->valuestring);
				c->valuestring = v;
				total += k;
			}
		} else if (cJSON_IsArray(c) || cJSON_IsObject(c)) {
			for (cJSON *ch = c->child; ch; ch = ch->next) {
				int k = art_redact_json(ch, mask, found);
				if (k < 0)
					return k;
				total += k;
			}
		}
	}
	return total;
}
