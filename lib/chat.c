/* chat.c — chat template families: detection by marker, rendering. */
#include "chat.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

static const char *const names[] = {
	[ART_CHAT_TMPL_PLAIN] = "plain",   [ART_CHAT_TMPL_CHATML] = "chatml",
	[ART_CHAT_TMPL_LLAMA2] = "llama2", [ART_CHAT_TMPL_LLAMA3] = "llama3",
	[ART_CHAT_TMPL_MISTRAL] = "mistral", [ART_CHAT_TMPL_PHI3] = "phi3",
	[ART_CHAT_TMPL_GEMMA] = "gemma",   [ART_CHAT_TMPL_ZEPHYR] = "zephyr",
	[ART_CHAT_TMPL_UNKNOWN] = "unknown",
};

const char *art_chat_name(enum art_chat_tmpl t)
{
	return (unsigned)t < sizeof names / sizeof *names ? names[t] : "unknown";
}

int art_chat_from_name(const char *name, enum art_chat_tmpl *out)
{
	static const struct {
		const char *alias;
		enum art_chat_tmpl t;
	} aliases[] = {
		{"none", ART_CHAT_TMPL_PLAIN},
		{"llama-2", ART_CHAT_TMPL_LLAMA2},
		{"llama-3", ART_CHAT_TMPL_LLAMA3},
		{"phi-3", ART_CHAT_TMPL_PHI3},
	};
	if (!name)
		return ART_ENOENT;
	for (int t = ART_CHAT_TMPL_PLAIN; t < ART_CHAT_TMPL_UNKNOWN; t++) {
		if (!strcmp(name, names[t])) {
			*out = (enum art_chat_tmpl)t;
			return ART_OK;
		}
	}
	for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++) {
		if (!strcmp(name, aliases[i].alias)) {
			*out = aliases[i].t;
			return ART_OK;
		}
	}
	return ART_ENOENT;
}

enum art_chat_tmpl art_chat_detect(const char *j)
{
	if (!j || !*j)
		return ART_CHAT_TMPL_PLAIN;
	if (strstr(j, "<|im_start|>"))
		return ART_CHAT_TMPL_CHATML;
	if (strstr(j, "<|start_header_id|>"))
		return ART_CHAT_TMPL_LLAMA3;
	if (strstr(j, "<start_of_turn>"))
		return ART_CHAT_TMPL_GEMMA;
	if (strstr(j, "<|user|>"))
		return strstr(j, "<|end|>") ? ART_CHAT_TMPL_PHI3 : ART_CHAT_TMPL_ZEPHYR;
	if (strstr(j, "[INST]"))
		return strstr(j, "<<SYS>>") ? ART_CHAT_TMPL_LLAMA2 : ART_CHAT_TMPL_MISTRAL;
	return ART_CHAT_TMPL_UNKNOWN;
}

/* ---- output buffer ------------------------------------------------------------------ */

struct buf {
	char *s;
	size_t n, cap;
	int oom;
};

static void put_n(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 256;
		while (nc < b->n + n + 1)
			nc *= 2;
		char *ns = realloc(b->s, nc);
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = nc;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

static void put(struct buf *b, const char *s) { put_n(b, s, strlen(s)); }

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Appends S without leading and trailing ASCII white space (Jinja's trim). */
static void put_trim(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	put_n(b, s, n);
}

enum role { ROLE_SYSTEM, ROLE_USER, ROLE_ASSISTANT, ROLE_TOOL };

static int role_of(const char *r, enum role *out)
{
	static const char *const rn[] = {"system", "user", "assistant", "tool"};
	for (int i = 0; r && i < 4; i++) {
		if (!strcmp(r, rn[i])) {
			*out = (enum role)i;
			return 0;
		}
	}
	return -1;
}

/* ---- families ----------------------------------------------------------------------- */

/* One header-delimited turn per message, as the role names itself. */
static void render_tagged(enum art_chat_tmpl t, const art_chat_msg *m, size_t n, int gen,
			  struct buf *b)
{
	for (size_t i = 0; i < n; i++) {
		switch (t) {
		case ART_CHAT_TMPL_CHATML:
			put(b, "<|im_start|>");
			put(b, m[i].role);
			put(b, "\n");
			put(b, m[i].content);
			put(b, "<|im_end|>\n");
			break;
		case ART_CHAT_TMPL_LLAMA3:
			put(b, "<|start_header_id|>");
			put(b, m[i].role);
			put(b, "<|end_header_id|>\n\n");
			put_trim(b, m[i].content);
			put(b, "<|eot_id|>");
			break;
		default: /* PHI3, ZEPHYR */
			put(b, "<|");
			put(b, m[i].role);
			put(b, "|>\n");
			put(b, m[i].content);
			put(b, t == ART_CHAT_TMPL_PHI3 ? "<|end|>\n" : "</s>\n");
			break;
		}
	}
	if (!gen)
		return;
	put(b, t == ART_CHAT_TMPL_CHATML   ? "<|im_start|>assistant\n"
	       : t == ART_CHAT_TMPL_LLAMA3 ? "<|start_header_id|>assistant<|end_header_id|>\n\n"
					   : "<|assistant|>\n");
}

/* Families whose system text rides in front of the next user turn. */
static void render_inst(enum art_chat_tmpl t, const art_chat_msg *m, size_t n, int gen,
			struct buf *b)
{
	struct buf sys = {0};
	int users = 0;
	for (size_t i = 0; i <= n; i++) {
		enum role r = ROLE_USER;
		if (i < n)
			role_of(m[i].role, &r);
		if (i < n && r == ROLE_SYSTEM) {
			if (sys.n)
				put(&sys, "\n\n");
			put_trim(&sys, m[i].content);
			continue;
		}
		if (i == n && !sys.n)
			break; /* a trailing system text still needs a turn to carry it */
		const char *content = i < n ? m[i].content : "";
		if (t == ART_CHAT_TMPL_GEMMA) {
			int model = r == ROLE_ASSISTANT;
			put(b, model ? "<start_of_turn>model\n" : "<start_of_turn>user\n");
			if (!model && sys.n) {
				put_n(b, sys.s, sys.n);
				put(b, "\n\n");
				sys.n = 0;
			}
			put_trim(b, content);
			put(b, "<end_of_turn>\n");
		} else if (r == ROLE_ASSISTANT) {
			put(b, " ");
			put_trim(b, content);
			put(b, t == ART_CHAT_TMPL_LLAMA2 ? " </s>" : "</s>");
		} else {
			if (t == ART_CHAT_TMPL_LLAMA2 && users > 0)
				put(b, "<s>");
			put(b, "[INST] ");
			if (sys.n) {
				if (t == ART_CHAT_TMPL_LLAMA2) {
					put(b, "<<SYS>>\n");
					put_n(b, sys.s, sys.n);
					put(b, "\n<</SYS>>\n\n");
				} else {
					put_n(b, sys.s, sys.n);
					put(b, "\n\n");
				}
				sys.n = 0;
			}
			put_trim(b, content);
			put(b, " [/INST]");
			users++;
		}
		if (i == n)
			break;
	}
	if (sys.oom)
		b->oom = 1;
	free(sys.s);
	if (gen && t == ART_CHAT_TMPL_GEMMA)
		put(b, "<start_of_turn>model\n");
	/* [INST] families: the prompt already ends where the assistant starts */
}

int art_chat_render(enum art_chat_tmpl t, const art_chat_msg *msgs, size_t n,
		    int add_generation_prompt, char **out)
{
	ART_ASSERT(out && (msgs || n == 0));
	*out = NULL;
	if (t == ART_CHAT_TMPL_UNKNOWN || (unsigned)t > ART_CHAT_TMPL_UNKNOWN)
		return ART_EUNSUPP;
	for (size_t i = 0; i < n; i++) {
		enum role r;
		if (!msgs[i].content || role_of(msgs[i].role, &r) != 0)
			return ART_EINVAL;
	}
	struct buf b = {0};
	put(&b, ""); /* an empty chat renders as "" */
	switch (t) {
	case ART_CHAT_TMPL_PLAIN:
		for (size_t i = 0; i < n; i++)
			put(&b, msgs[i].content);
		break;
	case ART_CHAT_TMPL_CHATML:
	case ART_CHAT_TMPL_LLAMA3:
	case ART_CHAT_TMPL_PHI3:
	case ART_CHAT_TMPL_ZEPHYR:
		render_tagged(t, msgs, n, add_generation_prompt, &b);
		break;
	case ART_CHAT_TMPL_LLAMA2:
	case ART_CHAT_TMPL_MISTRAL:
	case ART_CHAT_TMPL_GEMMA:
		render_inst(t, msgs, n, add_generation_prompt, &b);
		break;
	case ART_CHAT_TMPL_UNKNOWN:
		break;
	}
	if (b.oom) {
		free(b.s);
		return ART_ENOMEM;
	}
	*out = b.s;
	return ART_OK;
}
