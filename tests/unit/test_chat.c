/* test_chat — chat template detection and rendering, table-driven. */
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "err.h"
#include "gguf.h"
#include "t.h"

static const art_chat_msg conv[] = {
	{"system", "You are helpful."},
	{"user", "Hi"},
	{"assistant", "Hello!"},
	{"user", "How are you?"},
};
#define NCONV (sizeof conv / sizeof *conv)

static const struct {
	enum art_chat_tmpl t;
	int gen;
	const char *want;
} renders[] = {
	{ART_CHAT_TMPL_PLAIN, 1, "You are helpful.HiHello!How are you?"},
	{ART_CHAT_TMPL_CHATML, 1,
	 "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
	 "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nHow are you?<|im_end|>\n"
	 "<|im_start|>assistant\n"},
	{ART_CHAT_TMPL_CHATML, 0,
	 "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
	 "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nHow are you?<|im_end|>\n"},
	{ART_CHAT_TMPL_LLAMA2, 1,
	 "[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi [/INST] Hello! </s>"
	 "<s>[INST] How are you? [/INST]"},
	{ART_CHAT_TMPL_LLAMA3, 1,
	 "<|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
	 "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
	 "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
	 "<|start_header_id|>user<|end_header_id|>\n\nHow are you?<|eot_id|>"
	 "<|start_header_id|>assistant<|end_header_id|>\n\n"},
	{ART_CHAT_TMPL_MISTRAL, 1,
	 "[INST] You are helpful.\n\nHi [/INST] Hello!</s>[INST] How are you? [/INST]"},
	{ART_CHAT_TMPL_PHI3, 1,
	 "<|system|>\nYou are helpful.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n"
	 "<|user|>\nHow are you?<|end|>\n<|assistant|>\n"},
	{ART_CHAT_TMPL_GEMMA, 1,
	 "<start_of_turn>user\nYou are helpful.\n\nHi<end_of_turn>\n"
	 "<start_of_turn>model\nHello!<end_of_turn>\n"
	 "<start_of_turn>user\nHow are you?<end_of_turn>\n<start_of_turn>model\n"},
	{ART_CHAT_TMPL_ZEPHYR, 1,
	 "<|system|>\nYou are helpful.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello!</s>\n"
	 "<|user|>\nHow are you?</s>\n<|assistant|>\n"},
};

/* Excerpts of real templates: each family's distinctive part. */
static const struct {
	const char *jinja;
	enum art_chat_tmpl want;
} detects[] = {
	{NULL, ART_CHAT_TMPL_PLAIN},
	{"", ART_CHAT_TMPL_PLAIN},
	{"{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
	 "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}",
	 ART_CHAT_TMPL_CHATML},
	{"{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + "
	 "' [/INST]' }}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' %}",
	 ART_CHAT_TMPL_LLAMA2},
	{"{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ "
	 "message['content'] | trim + '<|eot_id|>' %}",
	 ART_CHAT_TMPL_LLAMA3},
	{"{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
	 "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% else %}{{ message['content'] + "
	 "eos_token}}{% endif %}{% endfor %}",
	 ART_CHAT_TMPL_MISTRAL},
	{"{{ '<|user|>\\n' + message['content'] + '<|end|>\\n<|assistant|>\\n' }}",
	 ART_CHAT_TMPL_PHI3},
	{"{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}",
	 ART_CHAT_TMPL_GEMMA},
	{"{% if message['role'] == 'user' %}{{ '<|user|>\\n' + message['content'] + eos_token }}",
	 ART_CHAT_TMPL_ZEPHYR},
	{"{{ messages[0]['content'] }} ### Response:", ART_CHAT_TMPL_UNKNOWN},
};

int main(void)
{
	for (size_t i = 0; i < sizeof renders / sizeof *renders; i++) {
		char *out = NULL;
		int rc = art_chat_render(renders[i].t, conv, NCONV, renders[i].gen, &out);
		T_EQ_INT(rc, ART_OK, "render %s gen=%d: status", art_chat_name(renders[i].t),
			 renders[i].gen);
		T_EQ_STR(out, renders[i].want, "render %s gen=%d: text",
			 art_chat_name(renders[i].t), renders[i].gen);
		free(out);
	}

	for (size_t i = 0; i < sizeof detects / sizeof *detects; i++)
		T_EQ_STR(art_chat_name(art_chat_detect(detects[i].jinja)),
			 art_chat_name(detects[i].want), "detect case %zu", i);

	/* the phi-3 vocabulary file carries the real template */
	{
		art_gguf *g = NULL;
		char err[256];
		art_gguf_str s;
		int rc = art_gguf_open(&g, t_shared("tokenizers/ggml-vocab-phi-3.gguf"), err,
				       sizeof err);
		if (T_OK(rc == ART_OK, "open phi-3 vocab") &&
		    T_OK(art_gguf_get_str(g, "tokenizer.chat_template", &s) == ART_OK,
			 "phi-3 has tokenizer.chat_template")) {
			char *j = malloc(s.n + 1);
			memcpy(j, s.s, s.n);
			j[s.n] = 0;
			T_EQ_STR(art_chat_name(art_chat_detect(j)), "phi3", "detect phi-3 template");
			free(j);
		}
		art_gguf_close(g);
	}

	/* names round-trip; aliases; unknown names */
	for (int t = ART_CHAT_TMPL_PLAIN; t < ART_CHAT_TMPL_UNKNOWN; t++) {
		enum art_chat_tmpl back = ART_CHAT_TMPL_UNKNOWN;
		int rc = art_chat_from_name(art_chat_name((enum art_chat_tmpl)t), &back);
		T_OK(rc == ART_OK && back == (enum art_chat_tmpl)t, "name round-trip %s",
		     art_chat_name((enum art_chat_tmpl)t));
	}
	{
		enum art_chat_tmpl x = ART_CHAT_TMPL_UNKNOWN;
		T_OK(art_chat_from_name("llama-3", &x) == ART_OK && x == ART_CHAT_TMPL_LLAMA3,
		     "alias llama-3");
		T_EQ_INT(art_chat_from_name("vicuna", &x), ART_ENOENT, "unknown name");
		T_EQ_INT(art_chat_from_name(NULL, &x), ART_ENOENT, "NULL name");
	}

	/* plain fallback: one user message is exactly its content (stories260K prompts) */
	{
		art_chat_msg m = {"user", "Once upon a time"};
		char *out = NULL;
		T_EQ_INT(art_chat_render(ART_CHAT_TMPL_PLAIN, &m, 1, 1, &out), ART_OK, "plain one");
		T_EQ_STR(out, "Once upon a time", "plain one: text");
		free(out);
	}

	/* edge cases and hostile input */
	{
		char *out = (char *)1;
		art_chat_msg bad_role = {"wizard", "x"}, null_content = {"user", NULL};
		T_EQ_INT(art_chat_render(ART_CHAT_TMPL_CHATML, &bad_role, 1, 1, &out), ART_EINVAL,
			 "unknown role");
		T_OK(out == NULL, "unknown role: no output");
		T_EQ_INT(art_chat_render(ART_CHAT_TMPL_CHATML, &null_content, 1, 1, &out),
			 ART_EINVAL, "NULL content");
		T_EQ_INT(art_chat_render(ART_CHAT_TMPL_UNKNOWN, conv, NCONV, 1, &out), ART_EUNSUPP,
			 "unknown template");
		T_EQ_INT(art_chat_render(ART_CHAT_TMPL_CHATML, NULL, 0, 1, &out), ART_OK, "empty chat");
		T_EQ_STR(out, "<|im_start|>assistant\n", "empty chat: generation prompt only");
		free(out);
		art_chat_msg sys_only = {"system", " Be brief. "};
		T_EQ_INT(art_chat_render(ART_CHAT_TMPL_LLAMA2, &sys_only, 1, 1, &out), ART_OK,
			 "llama2 system only");
		T_EQ_STR(out, "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n [/INST]",
			 "llama2 system only: text");
		free(out);
		art_chat_msg tool[] = {{"user", "2+2?"}, {"tool", "4"}};
		T_EQ_INT(art_chat_render(ART_CHAT_TMPL_GEMMA, tool, 2, 0, &out), ART_OK, "gemma tool");
		T_EQ_STR(out,
			 "<start_of_turn>user\n2+2?<end_of_turn>\n<start_of_turn>user\n4<end_of_turn>\n",
			 "gemma tool: a user turn");
		free(out);
		size_t big = 1 << 20;
		char *huge = malloc(big + 1);
		memset(huge, 'a', big);
		huge[big] = 0;
		art_chat_msg hm = {"user", huge};
		T_EQ_INT(art_chat_render(ART_CHAT_TMPL_LLAMA3, &hm, 1, 1, &out), ART_OK, "1 MiB message");
		T_OK(out && strlen(out) > big, "1 MiB message: length");
		free(out);
		free(huge);
	}
	return T_DONE();
}
