/* chat.h — render a chat (role, content messages) into a model's prompt text.
 *
 * Ownership: messages are borrowed for the call; art_chat_render returns a malloc'd,
 * NUL-terminated string the caller frees.
 *
 * Families are recognised from `tokenizer.chat_template` (a Jinja string) by their
 * distinctive markers; no Jinja is executed.  The rendered text never contains the
 * leading BOS: encode it with add_bos=1 and parse_special=1, because turn markers such as
 * <|im_start|> or </s> appear in the text and must become their special tokens.
 *
 * Roles: "system", "user", "assistant", "tool".  Families without a role of their own map
 * it: Gemma writes assistant as "model" and system/tool as user turns; Llama 2 and
 * Mistral put the system text in front of the first user turn and treat tool as user.
 *
 * Plain (no template, e.g. stories260K): the contents concatenated as they are, with
 * nothing between them and no generation suffix.
 */
#ifndef ART_CHAT_H
#define ART_CHAT_H
#include <stddef.h>

enum art_chat_tmpl {
	ART_CHAT_TMPL_PLAIN = 0, /* no template */
	ART_CHAT_TMPL_CHATML,    /* <|im_start|>role\n...<|im_end|>\n */
	ART_CHAT_TMPL_LLAMA2,    /* [INST] <<SYS>>\n...\n<</SYS>>\n\n... [/INST] */
	ART_CHAT_TMPL_LLAMA3,    /* <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|> */
	ART_CHAT_TMPL_MISTRAL,   /* [INST] ... [/INST] ...</s> */
	ART_CHAT_TMPL_PHI3,      /* <|role|>\n...<|end|>\n */
	ART_CHAT_TMPL_GEMMA,     /* <start_of_turn>role\n...<end_of_turn>\n */
	ART_CHAT_TMPL_ZEPHYR,    /* <|role|>\n...</s>\n */
	ART_CHAT_TMPL_UNKNOWN,   /* a template this module does not recognise */
};

typedef struct {
	const char *role;
	const char *content;
} art_chat_msg;

/* Family of JINJA; PLAIN for NULL or "", UNKNOWN when no family's markers are found. */
enum art_chat_tmpl art_chat_detect(const char *jinja);

/* Stable lower-case name ("plain", "chatml", "llama2", "llama3", "mistral", "phi3",
 * "gemma", "zephyr", "unknown"); never NULL. */
const char *art_chat_name(enum art_chat_tmpl t);

/* Family named NAME (the names above, plus "none", "llama-2", "llama-3", "phi-3");
 * ART_OK or ART_ENOENT. */
int art_chat_from_name(const char *name, enum art_chat_tmpl *out);

/* Renders N messages; with add_generation_prompt the text ends with the opening of an
 * assistant turn.  ART_EINVAL for an unknown role or NULL content, ART_EUNSUPP for
 * ART_CHAT_TMPL_UNKNOWN, ART_ENOMEM.  *out is NULL on failure. */
int art_chat_render(enum art_chat_tmpl t, const art_chat_msg *msgs, size_t n,
		    int add_generation_prompt, char **out);
#endif
